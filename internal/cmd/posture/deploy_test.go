package posture

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
)

func TestDeployFlagsAreCheckedBeforeAWS(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--schedule", "daily"}, "use rate(value unit)"},
		{[]string{"--schedule", "cron(0 6 * * * *)"}, "exactly one of day-of-month and day-of-week"},
		{[]string{"--schedule", "rate(1 fortnight)"}, "rate unit"},
		{[]string{"--timezone", "Mars/Olympus"}, "time zone"},
		{[]string{"--role-name", "no spaces"}, "role name"},
		{[]string{"--memory", "64"}, "memory"},
		{[]string{"--retention-days", "0"}, "--retention-days"},
		{[]string{"--schedule", "rate(30 days)", "--retention-days", "45"}, "two periods"},
		{[]string{"--prefix", "Bad_Prefix"}, "prefix"},
	} {
		ios, _, _, _ := iostreams.Test()
		called := false
		cmd := NewCmdDeploy(&cmdutil.Factory{IOStreams: ios}, func(*DeployOptions) error { called = true; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) || called {
			t.Errorf("%v: %v (exit %d), want a usage error naming %q", c.args, err, cmdutil.ExitCode(err), c.want)
		}
	}
	ios, _, _, _ := iostreams.Test()
	var got *DeployOptions
	cmd := NewCmdDeploy(&cmdutil.Factory{IOStreams: ios}, func(o *DeployOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--schedule", "cron(0 6 ? * MON-FRI *)", "--timezone", "Europe/Paris", "--heartbeat", "--security-hub"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Stack.Schedule != "cron(0 6 ? * MON-FRI *)" || !got.Stack.Heartbeat || !got.Stack.SecurityHub || got.Stack.MemoryMB != 512 {
		t.Errorf("options = %+v", got.Stack)
	}
}

// Without the alert pipeline there is nothing to report through: the deploy
// names `alert deploy` and creates nothing.
func TestDeployRefusesWithoutTheAlertPipeline(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	emu.CreateOrganization(emu.AddAccount("111122223333", "management").ID)
	cfg := emu.Config(emu.Account("111122223333").AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	zip := filepath.Join(t.TempDir(), "auditor.zip")
	if err := os.WriteFile(zip, []byte("PK test"), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	opts := &DeployOptions{IO: ios, FunctionZip: zip, RetentionDays: 90, Approve: true, Poll: 10 * time.Millisecond,
		Session: func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, cfg) }}
	emu.ResetCalls()
	err = runDeploy(t.Context(), opts)
	if !errors.Is(err, engine.ErrNoPipeline) || !strings.Contains(err.Error(), "`rootguard alert deploy`") || !strings.Contains(err.Error(), "rootguard-alert") {
		t.Fatalf("err = %v", err)
	}
	if out.Len() > 0 {
		t.Errorf("a refused deploy printed a plan:\n%s", out.String())
	}
	for _, c := range emu.Calls() {
		if c.Service == "cloudformation" && c.Action != "DescribeStacks" || c.Service == "s3" && c.Action != "HeadBucket" {
			t.Errorf("a refused deploy called %s:%s", c.Service, c.Action)
		}
	}
}
