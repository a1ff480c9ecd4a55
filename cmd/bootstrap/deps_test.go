package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoSSMClient keeps the SDK's SSM client out of the function: its
// package init was 43 % of the function's (internal/ssmparam says why).
func TestNoSSMClient(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipping: needs go on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/ssm") {
			t.Errorf("cmd/bootstrap imports %s; read the webhook parameter with internal/ssmparam", pkg)
		}
	}
}
