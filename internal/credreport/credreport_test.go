package credreport

import (
	"os"
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestParseRootRow(t *testing.T) {
	f, err := os.Open("testdata/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("rows = %d, want 2", len(rep.Rows))
	}
	root, ok := rep.Root()
	if !ok {
		t.Fatal("no root row")
	}
	if root.ARN != "arn:aws:iam::111122223333:root" {
		t.Errorf("ARN = %q", root.ARN)
	}
	if root.PasswordEnabled != NotSupported {
		t.Errorf("password_enabled = %v, want not_supported", root.PasswordEnabled)
	}
	k1, k2 := root.AccessKeys[0], root.AccessKeys[1]
	if !k1.Present() || k1.Active != False {
		t.Errorf("key 1: present %v active %v, want an inactive key", k1.Present(), k1.Active)
	}
	if !k2.Present() || k2.Active != True || k2.LastUsedService != "ec2" || k2.LastUsedRegion != "eu-west-1" {
		t.Errorf("key 2 = %+v", k2)
	}
	if !root.Certs[0].Present() || root.Certs[1].Present() {
		t.Errorf("certs = %+v, want only cert 1", root.Certs)
	}
	// The newest date is key 2's, neither the first column (password) nor key 1.
	if got, want := root.LastUsed().Time, mustTime(t, "2024-05-02T08:30:00Z"); !got.Equal(want) {
		t.Errorf("LastUsed = %v, want %v", got, want)
	}
	// A user whose name contains "root" is not the root user.
	if rep.Rows[1].User == RootUser || rep.Rows[1].PasswordLastUsed.Valid() || rep.Rows[1].PasswordLastUsed.Raw != "no_information" {
		t.Errorf("alice row = %+v", rep.Rows[1])
	}
}

func TestParseCaseInsensitiveHeadersAndValues(t *testing.T) {
	csv := "USER,ARN,Password_Enabled,PASSWORD_LAST_USED,MFA_Active,Access_Key_1_Active,ACCESS_KEY_1_LAST_USED_DATE,access_key_2_active,access_key_2_last_used_date\n" +
		"<root_account>,arn:aws:iam::1:root,NOT_SUPPORTED,N/A,TRUE,FALSE,N/A,False,not_supported\n"
	rep, err := Parse(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	root, ok := rep.Root()
	if !ok || root.PasswordEnabled != NotSupported || root.MFAActive != True {
		t.Fatalf("root = %+v ok=%v", root, ok)
	}
	if root.LastUsed().Valid() {
		t.Errorf("LastUsed = %v, want never", root.LastUsed())
	}
}

func TestParseRejects(t *testing.T) {
	header := "user,arn,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_used_date,access_key_2_active,access_key_2_last_used_date\n"
	tests := map[string]string{
		"empty":          "",
		"missing column": "user,arn\n<root_account>,arn:aws:iam::1:root\n",
		"bad date":       header + "<root_account>,arn:aws:iam::1:root,not_supported,yesterday,true,false,N/A,false,N/A\n",
		"bad flag":       header + "<root_account>,arn:aws:iam::1:root,maybe,N/A,true,false,N/A,false,N/A\n",
		// Truncated after access_key_1_active: its last use and the second
		// key would read as "never" and "absent".
		"short row": header + "<root_account>,arn:aws:iam::1:root,not_supported,N/A,true,true\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(in)); err == nil {
				t.Error("Parse succeeded, want error")
			}
		})
	}
}

func TestNewest(t *testing.T) {
	old := Date{Time: mustTime(t, "2020-01-01T00:00:00Z")}
	recent := Date{Time: mustTime(t, "2024-01-01T00:00:00Z")}
	never := Date{Raw: "N/A"}
	tests := []struct {
		name string
		in   []Date
		want Date
	}{
		{"newest not first", []Date{old, recent}, recent},
		{"newest first", []Date{recent, old}, recent},
		{"special values skipped", []Date{never, old, Date{Raw: "no_information"}}, old},
		{"all never keeps first wording", []Date{never, Date{Raw: "no_information"}}, never},
	}
	for _, tt := range tests {
		if got := Newest(tt.in...); got != tt.want {
			t.Errorf("%s: Newest = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/report.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("USER,ARN\n")
	f.Fuzz(func(t *testing.T, in string) {
		rep, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, row := range rep.Rows {
			lu := row.LastUsed()
			for _, d := range []Date{row.PasswordLastUsed, row.AccessKeys[0].LastUsed, row.AccessKeys[1].LastUsed} {
				if d.Valid() && (!lu.Valid() || d.Time.After(lu.Time)) {
					t.Fatalf("LastUsed %v older than %v", lu, d)
				}
			}
		}
	})
}
