package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// The fault-injection suite runs `audit --org` on the sample organization
// of the local AWS under each fault and compares every account's every
// check with a run without faults:
//
//   - bounded time: the run ends within its bound;
//   - the documented exit code: 3 when a FAIL is left, 4 when only ERRORs,
//     1 when nothing could run;
//   - nothing lost: every account and check of the baseline is in the output;
//   - nothing invented: a check is either what the baseline says or ERROR —
//     never another PASS or FAIL;
//   - no access widened: no member is reached with sts:AssumeRole when the
//     baseline reached it with sts:AssumeRoot.
//
// Its tally goes to docs/reliability.md; ROOTGUARD_FAULT_TALLY=FILE writes
// the table rows there:
//
//	ROOTGUARD_FAULT_SUITE=full ROOTGUARD_FAULT_TALLY=/tmp/tally.md go test -count=1 -run TestFaultSuite -v ./internal/reliability/

type auditDoc struct {
	Accounts []struct {
		AccountID string `json:"account_id"`
		Access    string `json:"access"`
		Error     string `json:"error"`
		Skipped   string `json:"skipped"`
		Checks    []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"checks"`
	} `json:"accounts"`
}

// outcome is a run's checks by "account/check", and each account's access.
type outcome struct {
	checks map[string]string
	access map[string]string
}

func parseAudit(t *testing.T, stdout string) (outcome, error) {
	t.Helper()
	var doc auditDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		return outcome{}, fmt.Errorf("output is not the audit JSON: %w", err)
	}
	o := outcome{checks: map[string]string{}, access: map[string]string{}}
	for _, a := range doc.Accounts {
		if a.Skipped != "" {
			continue
		}
		o.access[a.AccountID] = a.Access
		for _, c := range a.Checks {
			o.checks[a.AccountID+"/"+c.ID] = c.Status
		}
	}
	return o, nil
}

// faultCase is one fault of the suite.
type faultCase struct {
	name   string
	faults []awsemu.Fault
	args   []string // after `audit --org -o json`
	bound  time.Duration
	kill   time.Duration // close the local AWS this long after the start
	// heavy cases wait through long throttling backoffs (up to a minute):
	// they run with ROOTGUARD_FAULT_SUITE=full.
	heavy bool
}

// tally is one row of docs/reliability.md.
type tally struct {
	name                       string
	code                       int
	took                       time.Duration
	same, errored, lost, wrong int
	widened                    int
	why                        string // the one line of an exit 1
}

var (
	tallyMu   sync.Mutex
	tallyRows []tally
)

func TestFaultSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault suite waits through throttling backoffs")
	}
	t.Parallel()
	members := "222222222222"
	cases := []faultCase{
		{name: "no fault", bound: time.Minute},
		{name: "IAM throttled 50 %", faults: []awsemu.Fault{{Service: "iam", ThrottleRate: 0.5}}, args: []string{"--account-timeout", "20s"}, bound: 3 * time.Minute},
		{name: "IAM throttled 80 %", faults: []awsemu.Fault{{Service: "iam", ThrottleRate: 0.8}}, args: []string{"--account-timeout", "20s"}, bound: 3 * time.Minute, heavy: true},
		{name: "IAM throttled 97 %", faults: []awsemu.Fault{{Service: "iam", ThrottleRate: 0.97}}, args: []string{"--account-timeout", "20s"}, bound: 4 * time.Minute, heavy: true},
		{name: "STS throttled 80 %", faults: []awsemu.Fault{{Service: "sts", ThrottleRate: 0.8}}, args: []string{"--account-timeout", "20s"}, bound: 3 * time.Minute, heavy: true},
		{name: "ListOrganizationsFeatures throttled 97 %", faults: []awsemu.Fault{{Service: "iam", Action: "ListOrganizationsFeatures", ThrottleRate: 0.97}}, bound: 3 * time.Minute},
		{name: "IAM 2 s latency past a 3 s account deadline", faults: []awsemu.Fault{{Service: "iam", Latency: 2 * time.Second}}, args: []string{"--account-timeout", "3s"}, bound: 2 * time.Minute},
		{name: "IAM hangs in one member", faults: []awsemu.Fault{{Service: "iam", Account: members, Hang: true}}, bound: 2 * time.Minute},
		{name: "every call hangs", faults: []awsemu.Fault{{Hang: true}}, bound: 2 * time.Minute},
		{name: "IAM 503 at 50 %", faults: []awsemu.Fault{{Service: "iam", ServerErrorRate: 0.5}}, args: []string{"--account-timeout", "20s"}, bound: 3 * time.Minute},
		{name: "local AWS killed after 300 ms", faults: []awsemu.Fault{{Latency: 200 * time.Millisecond}}, kill: 300 * time.Millisecond, bound: 2 * time.Minute},
	}

	// The baseline runs first; the faults then run in parallel, each on a
	// local AWS of its own, and the tally is written once they all ended.
	var baseline outcome
	t.Cleanup(func() { writeTally(t) })
	for i, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			if fc.heavy && os.Getenv("ROOTGUARD_FAULT_SUITE") != "full" {
				t.Skip("a heavy throttling case: ROOTGUARD_FAULT_SUITE=full runs it")
			}
			if i > 0 {
				t.Parallel()
			}
			emu, _ := sampleOrg(t, true)
			emu.SeedFaults(uint64(i + 1))
			tg := onEmu(emu, emu.Account("111111111111").AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{}))
			for _, f := range fc.faults {
				emu.InjectFault(f)
			}
			if fc.kill > 0 {
				stop := time.AfterFunc(fc.kill, emu.Close)
				defer stop.Stop()
			}
			r := run(t, tg.at(awsconfig.Timeouts{Response: 5 * time.Second}), "", append([]string{"audit", "--org", "-o", "json"}, fc.args...)...)
			row := tally{name: fc.name, code: r.code, took: r.took}
			defer func() {
				tallyMu.Lock()
				tallyRows = append(tallyRows, row)
				tallyMu.Unlock()
			}()
			if r.took > fc.bound {
				t.Errorf("took %s, bound %s", r.took.Round(time.Second), fc.bound)
			}
			if i == 0 {
				if r.code != cmdutil.ExitFindings {
					t.Fatalf("baseline exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
				}
				var err error
				if baseline, err = parseAudit(t, r.stdout); err != nil || len(baseline.checks) == 0 {
					t.Fatalf("baseline: %v\n%s", err, r.stdout)
				}
				row.same = len(baseline.checks)
				return
			}
			if baseline.checks == nil {
				t.Skip("no baseline")
			}
			if r.code == cmdutil.ExitError {
				// Nothing could run: one line saying why, no report.
				if strings.TrimSpace(r.stdout) != "" || !strings.Contains(r.stderr, "rootguard: ") {
					t.Errorf("exit 1 with output:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
				}
				row.why, _, _ = strings.Cut(strings.TrimPrefix(r.stderr, "rootguard: "), "\n")
				return
			}
			got, err := parseAudit(t, r.stdout)
			if err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
			}
			anyFail, anyError := false, false
			keys := make([]string, 0, len(baseline.checks))
			for k := range baseline.checks {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				want := baseline.checks[k]
				status, ok := got.checks[k]
				switch {
				case !ok:
					row.lost++
					t.Errorf("%s lost (baseline %s)", k, want)
				case status == want:
					row.same++
				case status == "ERROR":
					row.errored++
				default:
					row.wrong++
					t.Errorf("%s is %s, baseline %s: invented", k, status, want)
				}
				anyFail = anyFail || status == "FAIL"
				anyError = anyError || status == "ERROR"
			}
			for k, status := range got.checks {
				if _, ok := baseline.checks[k]; !ok {
					row.wrong++
					t.Errorf("%s = %s is not in the baseline", k, status)
				}
			}
			for acct, access := range got.access {
				if baseline.access[acct] == "assume-root" && access == "assume-role" {
					row.widened++
					t.Errorf("%s reached with sts:AssumeRole: access widened", acct)
				}
			}
			want := cmdutil.ExitOK
			switch {
			case anyFail:
				want = cmdutil.ExitFindings
			case anyError:
				want = cmdutil.ExitUnknown
			}
			if r.code != want {
				t.Errorf("exit %d, want %d", r.code, want)
			}
		})
	}
}

func writeTally(t *testing.T) {
	path := os.Getenv("ROOTGUARD_FAULT_TALLY")
	if path == "" {
		return
	}
	var b strings.Builder
	b.WriteString("| fault | exit | time | checks as without the fault | ERROR instead | lost | invented | access widened | exit 1 because |\n|---|---|---|---|---|---|---|---|---|\n")
	tallyMu.Lock()
	rows := slices.Clone(tallyRows)
	tallyMu.Unlock()
	for _, r := range rows {
		why := r.why
		if len(why) > 160 {
			why = why[:160] + "…"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %d | %d | %d | %d | %d | %s |\n", r.name, r.code, r.took.Round(100*time.Millisecond), r.same, r.errored, r.lost, r.wrong, r.widened, strings.ReplaceAll(why, "|", "\\|"))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}
