package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// TestOrgProgressBarRule: the bar is drawn on stderr only when stderr is a
// terminal and stdout is that terminal too (not while jsonl streams to it)
// or a file — never when stdout is piped, as into jq.
func TestOrgProgressBarRule(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		output                string
		stdoutTTY, stdoutFile bool
		stderrTTY, want       bool
	}{
		{"table on a terminal", "table", true, false, true, true},
		{"json piped into jq", "json", false, false, true, false},
		{"json redirected to a file", "json", false, true, true, true},
		{"jsonl streaming to the terminal", "jsonl", true, false, true, false},
		{"stderr redirected", "table", true, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			ios.SetTTY(false, tc.stdoutTTY, tc.stderrTTY)
			ios.SetStdoutFile(tc.stdoutFile)
			opts := &AuditOptions{
				IO:        ios,
				AWSConfig: func(context.Context) (aws.Config, error) { return aws.Config{}, nil },
				Now:       time.Now,
				OrgAudit: func(_ context.Context, _ aws.Config, o orgaudit.Options) (*orgaudit.Result, error) {
					o.Started(1)
					row := orgaudit.Row{Account: orgscan.Account{ID: "111122223333"}, Result: result(audit.Pass)}
					o.Done(0, row)
					return &orgaudit.Result{Rows: []orgaudit.Row{row}}, nil
				},
				Output: tc.output, Org: true, RootUseDays: 90, ReportWait: time.Second, Concurrency: 1, AccountTimeout: time.Minute,
			}
			if err := runOrgAudit(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(errOut.String(), "Auditing accounts"); got != tc.want {
				t.Errorf("progress bar drawn: %v, want %v (stderr %q)", got, tc.want, errOut.String())
			}
		})
	}
}
