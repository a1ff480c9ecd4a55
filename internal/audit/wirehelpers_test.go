package audit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// alertRegion is where the emulated accounts' alerting pipelines live: the
// aws partition's home Region.
var alertRegion = account.AWS.HomeRegion

// rootCheckIDs are the checks that read the root user's credentials.
var rootCheckIDs = []CheckID{"root-access-keys", "root-mfa", "root-hardware-mfa", "root-signing-certificates", "root-recent-use"}

// newWireEmu starts a local AWS for one test.
func newWireEmu(t testing.TB) *awsemu.Server {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatalf("start local AWS: %v", err)
	}
	t.Cleanup(emu.Close)
	return emu
}

var accountSeq atomic.Int64

// newAccountID returns an account ID unique within the test binary.
func newAccountID() string { return fmt.Sprintf("%012d", 300000000000+accountSeq.Add(1)) }

func noSleep(context.Context, time.Duration) error { return nil }

// checkOf returns the result of check id, failing the test when it is absent.
func checkOf(t testing.TB, res AccountResult, id CheckID) CheckResult {
	t.Helper()
	for _, c := range res.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no %s in %+v", id, res)
	return CheckResult{}
}

// assertStatuses compares the statuses of the checks named in want and logs
// every check on failure.
func assertStatuses(t testing.TB, res AccountResult, want map[CheckID]Status) {
	t.Helper()
	if res.Error != "" {
		t.Fatalf("account error: %s", res.Error)
	}
	got := statuses(res)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %s, want %s", id, got[id], w)
		}
	}
	if t.Failed() {
		logChecks(t, res)
	}
}

func logChecks(t testing.TB, res AccountResult) {
	t.Helper()
	for _, c := range res.Checks {
		t.Logf("%s %s: %s %v", c.ID, c.Status, c.Detail, c.Evidence)
	}
}

// errorsIn returns the ERROR checks of res as "id: detail".
func errorsIn(res AccountResult) []string {
	var out []string
	for _, c := range res.Checks {
		if c.Status == Error {
			out = append(out, string(c.ID)+": "+c.Detail)
		}
	}
	return out
}

// callsOf returns the logged calls made by account, as "service:Action".
func callsOf(emu *awsemu.Server, account string) []awsemu.CallRecord {
	var out []awsemu.CallRecord
	for _, r := range emu.Calls() {
		if r.Account == account {
			out = append(out, r)
		}
	}
	return out
}

// fakeClock is the engine's injectable clock: Sleep advances Now at once and
// records the delays asked for.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return ctx.Err()
}

func (c *fakeClock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum time.Duration
	for _, d := range c.slept {
		sum += d
	}
	return sum
}

// Alerting seeds. rootSignInPattern is what `rootguard alert deploy` installs.
const (
	rootSignInPattern = `{"source":["aws.signin"],"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`
	cisRootFilter     = `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`
)

func mustSeed(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seedRulePath installs the runbook's pipeline: a multi-region trail homed
// elsewhere (no CloudWatch Logs) and an enabled root sign-in rule with a
// target in us-east-1.
func seedRulePath(t testing.TB, a *awsemu.Account) {
	t.Helper()
	mustSeed(t, a.AddTrail(awsemu.Trail{Name: "org-trail", Region: "eu-west-1", S3BucketName: "trail-" + a.ID, MultiRegion: true, Logging: true}))
	mustSeed(t, a.AddRule(awsemu.Rule{Name: "root-signin", Region: alertRegion, EventPattern: rootSignInPattern,
		Targets: map[string]string{"alert": "arn:aws:sqs:us-east-1:" + a.ID + ":root-alerts"}}))
}

// logGroupARN is the trail log group the CIS 4.3 seeds use.
func logGroupARN(a *awsemu.Account) string {
	return "arn:aws:logs:us-east-1:" + a.ID + ":log-group:cloudtrail:*"
}

// seedCISTrail installs a logging multi-region trail that sends to
// CloudWatch Logs, and no rule.
func seedCISTrail(t testing.TB, a *awsemu.Account) {
	t.Helper()
	mustSeed(t, a.AddTrail(awsemu.Trail{Name: "cis-trail", Region: alertRegion, S3BucketName: "trail-" + a.ID, MultiRegion: true, Logging: true,
		CloudWatchLogsLogGroupArn: logGroupARN(a)}))
}
