package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// An organization's HTML report carries what only an organization run knows:
// the skipped accounts and the run's notes.
func TestRenderOrgHTML(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &AuditOptions{IO: ios, Output: "html", Now: func() time.Time { return time.Unix(0, 0) }}
	res := &orgaudit.Result{
		Skipped: []orgscan.Account{{ID: "999999999999", Name: "gone", Status: "SUSPENDED"}},
		Notes:   []string{"member accounts are reached with sts:AssumeRoot"},
	}
	accounts := []audit.AccountResult{result(audit.Fail)}
	if err := renderOrg(opts, res, orgRun(res, accounts, nil), "us-east-1"); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	for _, want := range []string{"<!DOCTYPE html>", "999999999999 (gone): SUSPENDED", "member accounts are reached with sts:AssumeRoot", `<b id="count-fail">1</b>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
