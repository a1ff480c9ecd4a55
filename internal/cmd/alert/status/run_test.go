package status

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/cmdtest"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/posturehealth"
	"github.com/rootguard/rootguard/internal/stack"
)

// fakeEngine answers runStatus without AWS and records what it was asked.
type fakeEngine struct {
	report   alertstatus.Report
	readErr  error
	posture  posturehealth.Health
	coverage *alertstatus.Coverage
	covErr   error
	// block makes every read wait for its context to end.
	block bool

	names   []stack.Names
	covOpts []alertstatus.CoverageOptions
}

func (f *fakeEngine) Read(ctx context.Context, names stack.Names, _ time.Time) (alertstatus.Report, error) {
	f.names = append(f.names, names)
	if f.block {
		<-ctx.Done()
		return alertstatus.Report{}, errors.New("operation DescribeRule: " + ctx.Err().Error())
	}
	return f.report, f.readErr
}

func (f *fakeEngine) Posture(_ context.Context, names stack.Names, _ time.Time) (posturehealth.Health, error) {
	f.names = append(f.names, names)
	return f.posture, nil
}

func (f *fakeEngine) Coverage(ctx context.Context, o alertstatus.CoverageOptions) (*alertstatus.Coverage, error) {
	f.covOpts = append(f.covOpts, o)
	if f.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return f.coverage, f.covErr
}

var fixedNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func healthyReport() alertstatus.Report {
	return alertstatus.Report{
		Account:    "123456789012",
		Trails:     []eventpath.Trail{{Name: "org-trail", Logging: true, LogsSignIn: true}},
		Rule:       alertstatus.RuleState{Name: "rootguard-root-activity", Exists: true, State: "ENABLED", MatchesRootLog: true, Targets: 1},
		Function:   alertstatus.FunctionState{Name: "rootguard-alert", Exists: true, State: "Active", LastUpdateStatus: "Successful"},
		Deliveries: alertstatus.Deliveries{Window: 24 * time.Hour, LastPosted: fixedNow.Add(-time.Hour), Posted: 2},
		Queue:      alertstatus.QueueState{Name: "rootguard-alerts", Exists: true},
		DLQ:        alertstatus.QueueState{Name: "rootguard-alerts-dlq", Exists: true},
	}
}

// run runs `alert status` args through NewCmdStatus, the flags parsed as
// in production, with eng as its engine.
func run(t *testing.T, eng *fakeEngine, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return fixedNow }}
	built := 0
	cmd := NewCmdStatus(f, func(opts *Options) error {
		opts.Engine = func(context.Context) (Engine, error) { built++; return eng, nil }
		return runStatus(t.Context(), opts)
	})
	_, err = cmdtest.Execute(cmd, ios, args...)
	if built != 1 {
		t.Errorf("engine built %d times, want once", built)
	}
	return out.String(), errOut.String(), err
}

func TestHealthyReportExitsZeroAndPrintsIt(t *testing.T) {
	eng := &fakeEngine{report: healthyReport()}
	out, errOut, err := run(t, eng, "--prefix", "rgx")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitOK {
		t.Fatalf("exit %d (%v), want 0\n%s%s", code, err, out, errOut)
	}
	for _, want := range []string{
		"account      123456789012\n",
		"trail        org-trail (logging)\n",
		"rule         rootguard-root-activity: ENABLED, matches root sign-in: true, targets: 1\n",
		"function     rootguard-alert: Active, last update Successful\n",
		"last posted  2026-12-03T11:00:00Z (2 posts, 0 errors in 24h0m0s)\n",
		"posture      not deployed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "Root activity reaches Slack.") || strings.Contains(errOut, "problem:") {
		t.Errorf("stderr %q, want the all-clear and no problem", errOut)
	}
	for _, n := range eng.names {
		if n.Prefix != "rgx" {
			t.Errorf("engine asked for prefix %q, want rgx (--prefix)", n.Prefix)
		}
	}
	if len(eng.names) != 2 || len(eng.covOpts) != 0 {
		t.Errorf("engine read %d times and coverage %d times, want the pipeline and the posture, no coverage", len(eng.names), len(eng.covOpts))
	}
}

func TestHealthyReportJSON(t *testing.T) {
	out, _, err := run(t, &fakeEngine{report: healthyReport()}, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int            `json:"schema_version"`
		Account       string         `json:"account"`
		Posture       map[string]any `json:"posture"`
		Problems      []string       `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.SchemaVersion != 1 || doc.Account != "123456789012" || doc.Posture["deployed"] != false || len(doc.Problems) != 0 {
		t.Errorf("json %+v", doc)
	}
}

func TestProblemExitsThree(t *testing.T) {
	r := healthyReport()
	r.Rule.State = "DISABLED"
	r.Problems = []string{"rule rootguard-root-activity is DISABLED"}
	out, errOut, err := run(t, &fakeEngine{report: r})
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitFindings {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitFindings)
	}
	if !strings.Contains(errOut, "problem: rule rootguard-root-activity is DISABLED\n") || strings.Contains(errOut, "reaches Slack") {
		t.Errorf("stderr %q", errOut)
	}
	if !strings.Contains(out, "rule         rootguard-root-activity: DISABLED") {
		t.Errorf("stdout lacks the report:\n%s", out)
	}
}

func TestPostureProblemExitsThree(t *testing.T) {
	eng := &fakeEngine{report: healthyReport(), posture: posturehealth.Health{Deployed: true, Stack: "rootguard-posture",
		Problems: []string{"schedule rootguard-posture is missing"}}}
	_, errOut, err := run(t, eng)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitFindings {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitFindings)
	}
	if !strings.Contains(errOut, "problem: schedule rootguard-posture is missing") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestEngineErrorExitsOneWithTheReason(t *testing.T) {
	for name, tc := range map[string]struct {
		engine func(context.Context) (Engine, error)
		want   string
	}{
		"no session": {func(context.Context) (Engine, error) {
			return nil, errors.New("get caller identity: no credentials")
		}, "get caller identity: no credentials"},
		"read fails": {func(context.Context) (Engine, error) {
			return &fakeEngine{readErr: errors.New("describe rule: AccessDenied")}, nil
		}, "alert status: describe rule: AccessDenied"},
		"coverage fails": {func(context.Context) (Engine, error) {
			return &fakeEngine{covErr: errors.New("list accounts: AWSOrganizationsNotInUseException")}, nil
		}, "alert status --org: list accounts: AWSOrganizationsNotInUseException"},
	} {
		t.Run(name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			err := runStatus(t.Context(), &Options{IO: ios, Engine: tc.engine, Now: func() time.Time { return fixedNow },
				Output: "text", Org: name == "coverage fails"})
			if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
				t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitError)
			}
			if err.Error() != tc.want || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want the one line %q", err, tc.want)
			}
			if out.Len() > 0 {
				t.Errorf("printed a report for an unknown health:\n%s", out)
			}
		})
	}
}

// TestTimeoutBoundsTheEngine: the engine is built and read within the
// --timeout deadline, and a read that does not answer ends in exit 1
// saying the health is unknown.
func TestTimeoutBoundsTheEngine(t *testing.T) {
	for _, org := range []bool{false, true} {
		// The test's own bound, should the engine not get the deadline:
		// the command then fails late, without the timeout's message.
		parent, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		ios, _, out, _ := iostreams.Test()
		var deadline bool
		eng := &fakeEngine{block: true}
		err := runStatus(parent, &Options{IO: ios, Now: func() time.Time { return fixedNow }, Output: "text", Org: org,
			Timeout: 50 * time.Millisecond,
			Engine: func(ctx context.Context) (Engine, error) {
				_, deadline = ctx.Deadline()
				return eng, nil
			}})
		if !deadline {
			t.Errorf("org %t: the engine was built without the --timeout deadline", org)
		}
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitError || !strings.Contains(err.Error(), "no answer within --timeout 50ms, the pipeline's health is unknown") {
			t.Errorf("org %t: exit %d, error %v", org, code, err)
		}
		if out.Len() > 0 {
			t.Errorf("org %t: printed %q", org, out)
		}
	}
}

func TestOrgPrintsPerAccountCoverage(t *testing.T) {
	cov := &alertstatus.Coverage{HubAccount: "111111111111", StackSet: "rgx-org-spoke", Regions: []string{"us-east-1", "eu-west-1"},
		Accounts: 2, Pairs: 4, Covered: 3,
		Gaps: []alertstatus.Gap{{Account: "333333333333", Region: "eu-west-1", Problem: "spoke rule rgx-root-activity-spoke is disabled",
			Fix: "rootguard alert deploy --org --prefix rgx --approve"}}}
	eng := &fakeEngine{coverage: cov}
	out, errOut, err := run(t, eng, "--org", "--prefix", "rgx", "--hub-account", "111111111111", "--regions", "us-east-1,eu-west-1")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitFindings {
		t.Fatalf("exit %d (%v), want %d for a gap", code, err, cmdutil.ExitFindings)
	}
	for _, want := range []string{
		"hub          111111111111 (StackSet rgx-org-spoke)\n",
		"regions      [us-east-1 eu-west-1]\n",
		"ACCOUNT       REGION     GAP",
		"333333333333  eu-west-1  spoke rule rgx-root-activity-spoke is disabled  rootguard alert deploy --org --prefix rgx --approve\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "2 accounts, 4 account-Region pairs: 3 covered, 1 gaps.") {
		t.Errorf("stderr %q", errOut)
	}
	want := alertstatus.CoverageOptions{Prefix: "rgx", HubAccount: "111111111111", Regions: []string{"us-east-1", "eu-west-1"}}
	if len(eng.covOpts) != 1 || eng.covOpts[0].Prefix != want.Prefix || eng.covOpts[0].HubAccount != want.HubAccount ||
		strings.Join(eng.covOpts[0].Regions, ",") != "us-east-1,eu-west-1" || len(eng.names) != 0 {
		t.Errorf("engine asked coverage %+v and read %d times, want %+v and no pipeline read", eng.covOpts, len(eng.names), want)
	}

	cov.Gaps, cov.Covered = nil, 4
	out, errOut, err = run(t, &fakeEngine{coverage: cov}, "--org", "--output", "json")
	if err != nil || !strings.Contains(out, `"covered": 4`) || !strings.Contains(out, `"schema_version": 1`) {
		t.Errorf("covered organization: err %v\n%s%s", err, out, errOut)
	}
}
