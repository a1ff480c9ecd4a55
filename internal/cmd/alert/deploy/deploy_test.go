package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/iostreams"
)

func TestDeployPlansFromStdinWebhookWithoutPrintingIt(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	// Without --regions the deploy forwards every Region enabled in the
	// account: here us-east-1 (the home Region) and eu-west-1.
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, []string{"ap-east-1"}); err != nil {
		t.Fatal(err)
	}
	creds := emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	zip := filepath.Join(t.TempDir(), "bootstrap.zip")
	if err := os.WriteFile(zip, []byte("PK test"), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, in, out, errOut := iostreams.Test()
	in.WriteString("https://hooks.slack.com/services/TEST/TEST/test\n")
	opts := &Options{
		IO:          ios,
		Engine:      engineOf(func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, emu.Config(creds)) }),
		FunctionZip: zip,
		Poll:        20 * time.Millisecond,
	}
	opts.Stack.Prefix, opts.Stack.Architecture = "rgcmd", "arm64"
	if err := runDeploy(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "ap-east-1") {
		t.Errorf("the plan forwards a Region the account has not enabled:\n%s", out.String())
	}
	for _, want := range []string{"(plan) would store the Slack webhook URL", "(plan) would create stack rgcmd-alert in us-east-1:", "+ AlertFunction (AWS::Lambda::Function)",
		"+ ForwardRoleEuWest1 (AWS::IAM::Role)", "(plan) would create stack rgcmd-alert-forward in eu-west-1:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "run again with --approve") {
		t.Errorf("stderr: %s", errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "hooks.slack.com") {
		t.Error("the webhook URL was printed")
	}
}
