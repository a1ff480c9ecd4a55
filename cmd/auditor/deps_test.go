package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLinksOnlyWhatItCalls keeps out of the auditor the SDK clients it
// never calls and the engines that bring them: a client's serialisation
// schemas are initialised at every cold start whether or not it is called
// (Lambda's, SSM's and CloudFormation's were 5.3 ms of the function's
// 13.6 ms init, through internal/audit's imports of alertstatus and deploy
// and posture.Engine's Invoke; BENCHMARKS.md). The audit reads trails,
// rules and Regions through internal/eventpath; `posture test` invokes the
// function through internal/postureops.
func TestLinksOnlyWhatItCalls(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: needs go on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := map[string]string{
		"github.com/aws/aws-sdk-go-v2/service/lambda":         "posture test invokes the function, from internal/postureops",
		"github.com/aws/aws-sdk-go-v2/service/cloudformation": "the auditor deploys nothing",
		"github.com/aws/aws-sdk-go-v2/service/ssm":            "the auditor reads no parameter",
		"github.com/aws/aws-sdk-go-v2/service/sns":            "the digest goes through the alert queue",
		"github.com/aws/aws-sdk-go-v2/service/scheduler":      "the auditor does not read its schedule",
		"github.com/rootguard/rootguard/internal/deploy":      "a command's engine, not the audit's",
		"github.com/rootguard/rootguard/internal/alertstatus": "a command's engine, not the audit's: share internal/eventpath",
	}
	deps := strings.Fields(string(out))
	for _, pkg := range deps {
		if why, ok := forbidden[pkg]; ok {
			t.Errorf("cmd/auditor links %s (%s)", pkg, why)
		}
	}
	// The test would pass vacuously if go list named packages otherwise.
	if !slices.Contains(deps, "github.com/aws/aws-sdk-go-v2/service/iam") {
		t.Fatalf("go list -deps does not list service/iam, which the audit calls:\n%s", out)
	}
}
