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
		`{"current_run":"r","security_hub":{"accounts":1,"findings":2,"gaps":[{"reason":"no account"}]}}`,
		`{"current_run":"r","security_hub":{"accounts":-1}}`, `{"current_run":"r","security_hub":{"omitted_gaps":-2}}`,
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
	f.Add([]byte(`{"current_run":"b","security_hub":{"accounts":3,"findings":30,"gaps":[{"account_id":"222233334444","reason":"Security Hub is not enabled"}],"omitted_gaps":2}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		if d.SecurityHub.GapCount() < len(gapsOf(d)) {
			t.Fatalf("gap count below the gaps listed")
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

func gapsOf(d *Digest) []Gap {
	if d.SecurityHub == nil {
		return nil
	}
	return d.SecurityHub.Gaps
}

// TestTrimCapsSecurityHubGaps: a digest of many unimported accounts stays
// one message; the gaps it leaves out are counted, never dropped.
func TestTrimCapsSecurityHubGaps(t *testing.T) {
	d := &Digest{Current: "r", SecurityHub: &SecurityHub{Accounts: 1, Gaps: []Gap{{"1", "a"}, {"2", "b"}, {"3", "c"}}}}
	d.Trim(2)
	if len(d.SecurityHub.Gaps) != 2 || d.SecurityHub.OmittedGaps != 1 || d.SecurityHub.GapCount() != 3 {
		t.Errorf("trimmed gaps %+v", d.SecurityHub)
	}
}
