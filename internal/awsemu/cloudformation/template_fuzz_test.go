package cloudformation

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzTemplateJSON: a YAML template body either fails with a template
// format error or becomes valid JSON (a JSON body is passed on as it is, for
// the JSON parser to judge); nothing panics.
func FuzzTemplateJSON(f *testing.F) {
	for _, seed := range []string{
		"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Sub \"q-${AWS::Region}\"}\n",
		"Outputs:\n  A: {Value: !GetAtt Q.Arn}\n  B: {Value: !Select [0, !Split [\",\", a]]}\n",
		"a: &x [1, 2]\nb: *x\n",
		"!Ref\n", "- !GetAtt\n", `{"Resources": {}}`, "", "Resources: !If [c, {}, {}]\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		doc, err := templateJSON(body)
		if err != nil {
			return
		}
		if !strings.HasPrefix(strings.TrimSpace(body), "{") && !json.Valid(doc) {
			t.Fatalf("templateJSON(%q) = %q, not JSON", body, doc)
		}
		_, _ = parseCFNTemplate(body)
	})
}
