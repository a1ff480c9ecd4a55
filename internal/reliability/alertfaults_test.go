package reliability

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// TestFaultSuiteAlertAndMFA runs `mfa` and the alert commands (`alert
// status`, `alert redrive`, then `alert test`) on a deployed pipeline under
// throttling and latency, and compares each run with the run without
// faults:
//
//   - bounded time: the run ends within its bound;
//   - the documented exit code: the baseline's, or 1 (could not run, one
//     line on stderr saying why);
//   - nothing invented: a run that exits as the baseline did prints what
//     the baseline printed (for `alert test`, the stage where the test
//     event stopped) — a fault never turns into "healthy" or a different
//     answer.
//
// `alert test` puts an event into the pipeline (its function, a stand-in
// that cannot start, never deletes it), which changes what status reads, so
// it runs after the others, and is compared by stage only.
//
//	ROOTGUARD_FAULT_SUITE=full ROOTGUARD_FAULT_TALLY_ALERT=/tmp/alert-tally.md go test -count=1 -run TestFaultSuiteAlertAndMFA -v ./internal/reliability/
func TestFaultSuiteAlertAndMFA(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys a pipeline and waits through throttling backoffs")
	}
	t.Parallel()
	// Each case deploys a pipeline on a local AWS of its own, so that the
	// cases run in parallel. kumo's queues and functions are one namespace
	// for the process: each pipeline's prefix is its own.
	deployed := func(t *testing.T, i int) (*awsemu.Server, target, string) {
		t.Helper()
		emu, _ := sampleOrg(t, true)
		tg := onEmu(emu, emu.Account("111111111111").AddUser("operator", "*").AddAccessKey(awsemu.AccessKey{}))
		prefix := fmt.Sprintf("rgfaults%d", i)
		d := run(t, tg, "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n",
			withZip(t, []string{"alert", "deploy", "--approve", "--prefix", prefix, "--regions", "us-east-1", "--function-zip", "FUNCTION_ZIP"})...)
		if d.code != cmdutil.ExitOK {
			t.Fatalf("deploy: exit %d\n%s\n%s", d.code, d.stdout, d.stderr)
		}
		return emu, tg, prefix
	}

	// The reading commands run first: `alert test` leaves its event in
	// the pipeline (the stand-in function cannot start), which changes what
	// status reads.
	commands := func(prefix string) [][]string {
		return [][]string{{"mfa", "--timeout", "5s"}, {"alert", "status", "--prefix", prefix}, {"alert", "redrive", "--prefix", prefix},
			{"alert", "test", "--prefix", prefix, "--wait", "3s"}}
	}
	cases := []struct {
		name     string
		faults   []awsemu.Fault
		timeouts awsconfig.Timeouts
		bound    time.Duration
		heavy    bool
	}{
		{name: "no fault", bound: 30 * time.Second},
		{name: "every service throttled 50 %", faults: []awsemu.Fault{{ThrottleRate: 0.5}}, bound: 2 * time.Minute},
		{name: "every service throttled 80 %", faults: []awsemu.Fault{{ThrottleRate: 0.8}}, bound: 2 * time.Minute, heavy: true},
		{name: "every service throttled 97 %", faults: []awsemu.Fault{{ThrottleRate: 0.97}}, bound: 2 * time.Minute, heavy: true},
		{name: "300 ms latency under the deadlines", faults: []awsemu.Fault{{Latency: 300 * time.Millisecond}}, bound: time.Minute},
		{name: "2 s latency past a 1 s response timeout", faults: []awsemu.Fault{{Latency: 2 * time.Second}}, timeouts: awsconfig.Timeouts{Response: time.Second}, bound: 30 * time.Second},
	}
	// Every case deploys at once; the faults wait for the baseline's
	// answers before they run. The tally is written once they all ended.
	baseline := map[string]result{}
	baselineDone := make(chan struct{})
	baselineRuns := false // not when -run leaves it out
	var (
		rowsMu sync.Mutex
		rows   []string
	)
	t.Cleanup(func() {
		if path := os.Getenv("ROOTGUARD_FAULT_TALLY_ALERT"); path != "" {
			table := "| fault | command | exit | time |\n|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
			if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
				t.Error(err)
			}
		}
	})
	for i, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			if fc.heavy && os.Getenv("ROOTGUARD_FAULT_SUITE") != "full" {
				t.Skip("a heavy throttling case: ROOTGUARD_FAULT_SUITE=full runs it")
			}
			if i == 0 {
				baselineRuns = true
				defer close(baselineDone)
			}
			t.Parallel()
			emu, tg, prefix := deployed(t, i)
			if i > 0 {
				<-baselineDone
				if len(baseline) == 0 {
					t.Skip("no baseline")
				}
			}
			emu.SeedFaults(uint64(i + 1))
			for _, f := range fc.faults {
				emu.InjectFault(f)
			}
			tg.timeouts = fc.timeouts
			if tg.timeouts.Response == 0 {
				tg.timeouts.Response = 5 * time.Second
			}
			for _, args := range commands(prefix) {
				name := strings.Join(args[:2], " ")
				if args[0] == "mfa" {
					name = "mfa"
				}
				r := run(t, tg, "", args...)
				t.Logf("%s: exit %d in %s", name, r.code, r.took.Round(time.Millisecond))
				rowsMu.Lock()
				rows = append(rows, fmt.Sprintf("| %s | %s | %d | %s |", fc.name, name, r.code, r.took.Round(100*time.Millisecond)))
				rowsMu.Unlock()
				if r.took > fc.bound {
					t.Errorf("%s took %s, bound %s", name, r.took.Round(time.Second), fc.bound)
				}
				if i == 0 {
					if r.code == cmdutil.ExitError || r.code == cmdutil.ExitUsage {
						t.Fatalf("baseline %s: exit %d\n%s\n%s", name, r.code, r.stdout, r.stderr)
					}
					// The outputs name the prefix: compared with it taken out.
					r.stdout = strings.ReplaceAll(r.stdout, prefix, "PREFIX")
					baseline[name] = r
					continue
				}
				base, ok := baseline[name]
				if !ok {
					t.Fatal("no baseline")
				}
				switch r.code {
				case cmdutil.ExitError:
					if !strings.Contains(r.stderr, "rootguard: ") {
						t.Errorf("%s: exit 1 without a reason\n%s", name, r.stderr)
					}
				case base.code:
					if got, want := comparable(name, strings.ReplaceAll(r.stdout, prefix, "PREFIX")), comparable(name, base.stdout); got != want {
						t.Errorf("%s: exit %d as without the fault, but another answer: invented\ngot:\n%s\nwant:\n%s", name, r.code, got, want)
					}
				default:
					t.Errorf("%s: exit %d, want %d (as without the fault) or 1\nstdout:\n%s\nstderr:\n%s", name, r.code, base.code, r.stdout, r.stderr)
				}
			}
		})
	}
	if !baselineRuns {
		close(baselineDone)
	}
}

// comparable is the part of a command's output that must not change under
// a fault: everything, but for `alert test` (a new event each run) the
// stage where the test event stopped.
func comparable(name, stdout string) string {
	if name != "alert test" {
		return stdout
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "stage") {
			return l
		}
	}
	return ""
}
