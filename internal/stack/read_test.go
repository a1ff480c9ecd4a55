package stack

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadGivesBackWhatJSONWrote(t *testing.T) {
	tmpl, err := Hub(HubOptions{CreateTrail: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.LogicalIDs(), tmpl.LogicalIDs()) {
		t.Errorf("read back %v, wrote %v", back.LogicalIDs(), tmpl.LogicalIDs())
	}
	if back.Resources[LogicalTrailBkt].DeletionPolicy != "Retain" {
		t.Error("deletion policy lost in the round trip")
	}
}

func TestReadRejectsMalformedTemplates(t *testing.T) {
	for _, body := range []string{``, `[]`, `{}`, `{"Resources":{}}`, `{"Resources":{"A":{"Type":"AWS::SQS"}}}`, `{"Resources":{"A":{"Type":"::::"}}}`} {
		if _, err := Read([]byte(body)); err == nil {
			t.Errorf("Read(%q) accepted it", body)
		}
	}
}

func FuzzRead(f *testing.F) {
	golden, _ := filepath.Glob("testdata/*.json")
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Resources":{"A":{"Type":"AWS::SQS::Queue","Properties":null}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tmpl, err := Read(body)
		if err != nil {
			return
		}
		out, err := tmpl.JSON()
		if err != nil {
			t.Fatalf("a template Read accepted does not render: %v", err)
		}
		again, err := Read(out)
		if err != nil {
			t.Fatalf("a rendered template does not read back: %v", err)
		}
		if !slices.Equal(again.LogicalIDs(), tmpl.LogicalIDs()) {
			t.Fatalf("round trip changed resources: %v → %v", tmpl.LogicalIDs(), again.LogicalIDs())
		}
	})
}
