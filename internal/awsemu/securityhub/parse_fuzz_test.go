package securityhub

import (
	"encoding/json"
	"testing"
)

// FuzzParseFinding: any body is a finding with its required attributes or
// a problem, never a panic; an accepted finding has the identity the model
// keys and filters on.
func FuzzParseFinding(f *testing.F) {
	f.Add([]byte(`{"SchemaVersion":"2018-10-08","Id":"a","ProductArn":"arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",` +
		`"GeneratorId":"g","AwsAccountId":"111122223333","CreatedAt":"2026-03-01T12:00:00Z","UpdatedAt":"2026-03-01T12:00:00Z",` +
		`"Title":"t","Description":"d","Types":["x"],"Severity":{"Label":"LOW"},"Resources":[{"Type":"AwsAccount","Id":"AWS::::Account:111122223333"}],` +
		`"Compliance":{"Status":"FAILED"},"RecordState":"ACTIVE","Workflow":{"Status":"NEW"}}`))
	f.Add([]byte(`{"Id":"a"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"RecordState":"GONE","Compliance":7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		attrs, st, problem := parseFinding(json.RawMessage(data))
		if problem != "" {
			return
		}
		if attrs == nil || st.id == "" || st.productARN == "" || st.account == "" || st.createdAt.IsZero() || st.updatedAt.IsZero() {
			t.Fatalf("accepted without its identity: %+v", st)
		}
	})
}
