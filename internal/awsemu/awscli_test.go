package awsemu_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestAWSCLI drives the local AWS with the aws CLI itself, when it is
// installed (Debian's awscli is 2.9: Query for SQS and CloudWatch; pip's
// 1.x sends JSON): the commands the README invites work as on AWS.
func TestAWSCLI(t *testing.T) {
	cli, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws CLI is not installed")
	}
	if testing.Short() {
		t.Skip("starts the aws CLI for each call")
	}
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "cli").AddUser("cli").AddAccessKey(awsemu.AccessKey{})
	env := append(os.Environ(), emu.Env(creds)...)
	env = append(env, "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_PAGER=")
	aws := func(args ...string) (string, error) {
		t.Helper()
		// --endpoint-url: releases before AWS_ENDPOINT_URL ignore it.
		cmd := exec.CommandContext(t.Context(), cli, append([]string{"--endpoint-url", emu.URL, "--output", "json"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := aws("sts", "get-caller-identity")
	if err != nil || !strings.Contains(out, `"111122223333"`) {
		t.Fatalf("sts get-caller-identity: %v\n%s", err, out)
	}
	name := fmt.Sprintf("cli-%d", time.Now().UnixNano())
	out, err = aws("sqs", "create-queue", "--queue-name", name)
	var q struct{ QueueUrl string }
	if err != nil || json.Unmarshal([]byte(out), &q) != nil || q.QueueUrl != emu.URL+"/111122223333/"+name {
		t.Errorf("sqs create-queue: %v\n%s", err, out)
	}
	if out, err := aws("cloudwatch", "put-metric-alarm", "--alarm-name", "root-usage", "--metric-name", "RootAccountUsageCount",
		"--namespace", "CISBenchmark", "--statistic", "Sum", "--period", "300", "--evaluation-periods", "1", "--threshold", "1",
		"--comparison-operator", "GreaterThanOrEqualToThreshold"); err != nil {
		t.Errorf("cloudwatch put-metric-alarm: %v\n%s", err, out)
	}
	out, err = aws("cloudwatch", "describe-alarms")
	if err != nil || !strings.Contains(out, "arn:aws:cloudwatch:us-east-1:111122223333:alarm:root-usage") {
		t.Errorf("cloudwatch describe-alarms: %v\n%s", err, out)
	}
	tmpl := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(tmpl, []byte("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  V:\n    Type: AWS::EC2::VPC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = aws("cloudformation", "validate-template", "--template-body", "file://"+tmpl)
	if err == nil || !strings.Contains(out, "Unrecognized resource types: [AWS::EC2::VPC]") {
		t.Errorf("cloudformation validate-template of an unknown type: %v\n%s", err, out)
	}
}
