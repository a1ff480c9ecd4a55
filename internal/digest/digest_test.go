package digest

import (
	"encoding/json"
	"testing"
)

func TestTrimKeepsTheWorstAndCountsTheRest(t *testing.T) {
	d := &Digest{Current: "r", Changes: []Change{
		{Kind: NewFail, AccountID: "1"}, {Kind: NewError, AccountID: "2"}, {Kind: Fixed, AccountID: "3"}, {Kind: Fixed, AccountID: "4"},
	}}
	d.Trim(2)
	if len(d.Changes) != 2 || d.Changes[1].Kind != NewError || d.Omitted[Fixed] != 2 {
		t.Errorf("trimmed = %+v omitted %v", d.Changes, d.Omitted)
	}
	if d.Total() != 4 || d.Count(Fixed) != 2 || d.Count(NewFail) != 1 {
		t.Errorf("counts after trim: total %d fixed %d new-fail %d", d.Total(), d.Count(Fixed), d.Count(NewFail))
	}
}

func TestParseRejects(t *testing.T) {
	for _, doc := range []string{
		`[]`, `{}`, `{"current_run":"r","changes":[{"kind":"bogus","account_id":"1"}]}`,
		`{"current_run":"r","changes":[{"kind":"new-fail"}]}`,
		`{"current_run":"r","omitted":{"fixed":-1}}`, `{"current_run":"r","accounts":-3}`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
	if _, err := Parse([]byte(`{"current_run":"r","changes":[{"kind":"new-fail","account_id":"111122223333"}],"omitted":{"fixed":3}}`)); err != nil {
		t.Errorf("refused a good digest: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"previous_run":"a","current_run":"b","changes":[{"kind":"new-fail","account_id":"111122223333","check":"root-mfa"}],"omitted":{"fixed":3},"accounts":4}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		if d.Total() < len(d.Changes) {
			t.Fatalf("total %d < %d changes", d.Total(), len(d.Changes))
		}
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("a parsed digest does not parse again: %v", err)
		}
	})
}
