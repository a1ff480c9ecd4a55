package fix

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// recordingIAM records the mutating calls and fails the ones listed in fail.
type recordingIAM struct {
	iamAPI // reads are not used by these tests
	calls  []string
	fail   map[string]error
}

func (r *recordingIAM) do(call string) error {
	r.calls = append(r.calls, call)
	return r.fail[call]
}

func (r *recordingIAM) DeleteAccessKey(_ context.Context, in *iam.DeleteAccessKeyInput, _ ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	return &iam.DeleteAccessKeyOutput{}, r.do("DeleteAccessKey " + aws.ToString(in.AccessKeyId))
}

func (r *recordingIAM) DeleteSigningCertificate(_ context.Context, in *iam.DeleteSigningCertificateInput, _ ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error) {
	return &iam.DeleteSigningCertificateOutput{}, r.do("DeleteSigningCertificate " + aws.ToString(in.CertificateId))
}

func (r *recordingIAM) DeleteLoginProfile(context.Context, *iam.DeleteLoginProfileInput, ...func(*iam.Options)) (*iam.DeleteLoginProfileOutput, error) {
	return &iam.DeleteLoginProfileOutput{}, r.do("DeleteLoginProfile")
}

func (r *recordingIAM) DeactivateMFADevice(_ context.Context, in *iam.DeactivateMFADeviceInput, _ ...func(*iam.Options)) (*iam.DeactivateMFADeviceOutput, error) {
	return &iam.DeactivateMFADeviceOutput{}, r.do("DeactivateMFADevice " + aws.ToString(in.SerialNumber))
}

func (r *recordingIAM) DeleteVirtualMFADevice(_ context.Context, in *iam.DeleteVirtualMFADeviceInput, _ ...func(*iam.Options)) (*iam.DeleteVirtualMFADeviceOutput, error) {
	return &iam.DeleteVirtualMFADeviceOutput{}, r.do("DeleteVirtualMFADevice " + aws.ToString(in.SerialNumber))
}

func apiErr(code string) error {
	return &smithy.OperationError{ServiceID: "IAM", OperationName: "X", Err: &smithy.GenericAPIError{Code: code, Message: code}}
}

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func fullInventory() *Inventory {
	return &Inventory{
		Account:      "222222222222",
		LoginProfile: true,
		AccessKeys: []AccessKey{
			{ID: "AKIAINUSE", Status: "Active", InUse: true, LastUsed: t0, LastService: "iam", LastRegion: "us-east-1"},
			{ID: "AKIAOTHER", Status: "Inactive"},
		},
		Certificates: []Certificate{{ID: "CERT1", Status: "Active", Uploaded: t0}},
		MFADevices: []MFADevice{
			{Serial: "arn:aws:iam::222222222222:mfa/root", Virtual: true},
			{Serial: "GAHT12345678"},
		},
	}
}

func TestPlanOrder(t *testing.T) {
	client := &recordingIAM{}
	p := PlanRootCredentials(client, fullInventory(), t0.Add(48*time.Hour), false)
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.Action+" "+s.Target)
	}
	want := []string{
		"iam:DeleteLoginProfile root password",
		"iam:DeleteAccessKey AKIAOTHER",
		"iam:DeleteSigningCertificate CERT1",
		"iam:DeactivateMFADevice arn:aws:iam::222222222222:mfa/root",
		"iam:DeleteVirtualMFADevice arn:aws:iam::222222222222:mfa/root",
		"iam:DeactivateMFADevice GAHT12345678",
		"iam:DeleteAccessKey AKIAINUSE", // the key signing the run goes last
	}
	if !slices.Equal(got, want) {
		t.Fatalf("plan order:\n got %q\nwant %q", got, want)
	}
	if !p.Irreversible() || !p.Steps[len(p.Steps)-1].EndsSession {
		t.Fatalf("plan must be irreversible and end with the session-ending step")
	}
	if len(p.Notes) != 1 {
		t.Fatalf("want one note warning that the session ends, got %q", p.Notes)
	}
	if d := p.Steps[len(p.Steps)-1].Description; !containsAll(d, "last used 2026-11-01 (2 days ago)", "by iam", "in us-east-1") {
		t.Fatalf("key description lacks last-use evidence: %q", d)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func TestPlanInAssumeRootSessionLeavesVirtualDeviceWithANote(t *testing.T) {
	p := PlanRootCredentials(&recordingIAM{}, fullInventory(), t0, true)
	for _, s := range p.Steps {
		if s.Action == "iam:DeleteVirtualMFADevice" {
			t.Fatal("an AssumeRoot session cannot delete virtual devices; the plan must not try")
		}
	}
	found := false
	for _, n := range p.Notes {
		found = found || strings.Contains(n, "delete-virtual-mfa-device --serial-number arn:aws:iam::222222222222:mfa/root")
	}
	if !found {
		t.Fatalf("notes %q must say how to delete the unassigned device", p.Notes)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name      string
		fail      map[string]error
		wantCalls []string
		want      map[string]Result // target+action → result
	}{
		{
			name: "everything works: in-use key last",
			wantCalls: []string{"DeleteLoginProfile", "DeleteAccessKey AKIAOTHER", "DeleteSigningCertificate CERT1",
				"DeactivateMFADevice arn:aws:iam::222222222222:mfa/root", "DeleteVirtualMFADevice arn:aws:iam::222222222222:mfa/root",
				"DeactivateMFADevice GAHT12345678", "DeleteAccessKey AKIAINUSE"},
			want: map[string]Result{"iam:DeleteAccessKey AKIAINUSE": Done},
		},
		{
			name: "a key deleted by someone else mid-run is not an error",
			fail: map[string]error{"DeleteAccessKey AKIAOTHER": apiErr("NoSuchEntity")},
			want: map[string]Result{"iam:DeleteAccessKey AKIAOTHER": AlreadyGone, "iam:DeleteAccessKey AKIAINUSE": Done},
		},
		{
			name: "a failure keeps the in-use key and skips deleting an active virtual device",
			fail: map[string]error{
				"DeleteSigningCertificate CERT1":                         apiErr("AccessDenied"),
				"DeactivateMFADevice arn:aws:iam::222222222222:mfa/root": apiErr("Throttling"),
			},
			wantCalls: []string{"DeleteLoginProfile", "DeleteAccessKey AKIAOTHER", "DeleteSigningCertificate CERT1",
				"DeactivateMFADevice arn:aws:iam::222222222222:mfa/root", "DeactivateMFADevice GAHT12345678"},
			want: map[string]Result{
				"iam:DeleteSigningCertificate CERT1":                            Failed,
				"iam:DeactivateMFADevice arn:aws:iam::222222222222:mfa/root":    Failed,
				"iam:DeleteVirtualMFADevice arn:aws:iam::222222222222:mfa/root": Skipped,
				"iam:DeleteAccessKey AKIAINUSE":                                 Skipped,
				"iam:DeactivateMFADevice GAHT12345678":                          Done,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &recordingIAM{fail: tt.fail}
			p := PlanRootCredentials(client, fullInventory(), t0, false)
			path := filepath.Join(t.TempDir(), "changes.jsonl")
			rec, err := OpenRecorder(path, "arn:aws:iam::111111111111:user/admin")
			if err != nil {
				t.Fatal(err)
			}
			outcomes := Apply(context.Background(), p, rec, func() time.Time { return t0 })
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			if tt.wantCalls != nil && !slices.Equal(client.calls, tt.wantCalls) {
				t.Errorf("calls:\n got %q\nwant %q", client.calls, tt.wantCalls)
			}
			got := map[string]Result{}
			for _, o := range outcomes {
				got[o.Step.Action+" "+o.Step.Target] = o.Result
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s: got %q, want %q", k, got[k], want)
				}
			}
			records := readRecords(t, path)
			if len(records) != len(outcomes) {
				t.Fatalf("record has %d lines for %d steps", len(records), len(outcomes))
			}
			for i, r := range records {
				o := outcomes[i]
				if r.Account != "222222222222" || r.Actor != "arn:aws:iam::111111111111:user/admin" || r.Action != o.Step.Action || r.Target != o.Step.Target || r.Result != o.Result || !r.Time.Equal(t0) {
					t.Errorf("record %d = %+v does not match outcome %+v", i, r, o)
				}
				if (o.Result == Failed) != (r.Error != "") && o.Result != Skipped {
					t.Errorf("record %d: error %q for result %s", i, r.Error, o.Result)
				}
			}
		})
	}
}

func TestApplyReasonNamesTheCause(t *testing.T) {
	client := &recordingIAM{fail: map[string]error{"DeleteLoginProfile": apiErr("AccessDenied")}}
	p := PlanRootCredentials(client, &Inventory{Account: "222222222222", LoginProfile: true}, t0, false)
	out := Apply(context.Background(), p, nil, time.Now)
	if out[0].Result != Failed || !strings.Contains(out[0].Reason, "permission") || !strings.Contains(out[0].Reason, "iam:X") {
		t.Fatalf("reason %q should say it is a permission problem and name the action", out[0].Reason)
	}
}

func TestRecorderAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if err := os.WriteFile(path, []byte(`{"earlier":"line"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := OpenRecorder(path, "me")
	if err != nil {
		t.Fatal(err)
	}
	rec.Record(t0, Outcome{Step: Step{Account: "1", Action: "a", Target: "t"}, Result: Done})
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `{"earlier":"line"}`+"\n"+`{"time":"2026-11-01T00:00:00Z","actor":"me","account_id":"1","action":"a","target":"t","result":"done"}`) {
		t.Fatalf("record file not appended as expected:\n%s", b)
	}
}

func readRecords(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}
