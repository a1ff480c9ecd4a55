package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

// chromium finds a headless-capable Chromium (Debian's `chromium`, which
// .ci/run installs). Without one the browser tests skip, except in CI,
// where they must run.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROOTGUARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: .ci/run installs Debian's chromium for the HTML report's browser test")
	}
	t.Skip("no chromium on PATH (apt-get install -y chromium)")
	return ""
}

// runChromium runs headless Chromium on a page and returns its stdout.
func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-extensions", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--mute-audio",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// artifactDir is where screenshots go: $ROOTGUARD_TEST_ARTIFACTS when set
// (CI keeps it), else the test's temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("ROOTGUARD_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// bigOrg is a 1,000-account organization in 5 OUs: every 7th account has
// a root access key (FAIL), every 50th could not be reached, every 13th
// has an unreadable MFA state (ERROR), the rest pass.
func bigOrg() ([]audit.AccountResult, map[string]string) {
	ous := map[string]string{}
	var accts []audit.AccountResult
	for i := range 1000 {
		id := fmt.Sprintf("%012d", 100000000000+i)
		ous[id] = fmt.Sprintf("Root/ou-%d", i%5)
		a := audit.AccountResult{AccountID: id, AccountAlias: fmt.Sprintf("team-%d", i), Access: "assume-root"}
		if i%50 == 49 {
			a.Error = "cannot reach the account: sts:AssumeRoot: AccessDenied"
			accts = append(accts, a)
			continue
		}
		keys, mfa := audit.Pass, audit.Pass
		if i%7 == 3 {
			keys = audit.Fail
		}
		if i%13 == 5 {
			mfa = audit.Error
		}
		a.Checks = []audit.CheckResult{
			{ID: "root-access-keys", Status: keys, Severity: audit.Critical, Title: "Root user has no access keys", Detail: "root access keys", Evidence: map[string]any{"AccountAccessKeysPresent": 0}},
			{ID: "root-mfa", Status: mfa, Severity: audit.Critical, Title: "Root user has MFA", Detail: "root MFA", Evidence: map[string]any{}},
			{ID: "root-hardware-mfa", Status: audit.NotApplicable, Severity: audit.High, Title: "Root MFA is hardware", Evidence: map[string]any{}},
			{ID: "root-signing-certificates", Status: audit.Pass, Severity: audit.High, Title: "No signing certificates", Evidence: map[string]any{}},
			{ID: "root-recent-use", Status: audit.Pass, Severity: audit.Medium, Title: "Root not used recently", Evidence: map[string]any{}},
		}
		accts = append(accts, a)
	}
	return accts, ous
}

var (
	rowTag   = regexp.MustCompile(`<tr class="acct" id="r-(\d+)"[^>]*>`)
	shownOut = regexp.MustCompile(`<output id="shown">([^<]*)</output>`)
)

// visibleRows reads, from a DOM dumped after the page's script ran, the
// account rows left visible and the "N of M accounts shown" line.
func visibleRows(dom string) (visible []string, shown string) {
	for _, m := range rowTag.FindAllStringSubmatch(dom, -1) {
		if !strings.Contains(m[0], " hidden") {
			visible = append(visible, m[1])
		}
	}
	if m := shownOut.FindStringSubmatch(dom); m != nil {
		shown = m[1]
	}
	return visible, shown
}

// TestHTMLInBrowser loads a 1,000-account report in headless Chromium:
// the summary counts, the FAIL-first order, the filters (set through the
// page's #f: link, which drives the same code as the form) and a
// screenshot of what a person sees.
func TestHTMLInBrowser(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	accts, ous := bigOrg()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := HTML(f, HTMLInput{Accounts: accts, OUs: ous, Generated: at, Version: "test",
		Skipped: []SkippedAccount{{AccountID: "999999999999", Status: "SUSPENDED"}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(page)
	t.Logf("1,000-account report: %d bytes", info.Size())
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()

	// What the numbers must be, counted here independently of the renderer.
	var wantFail, wantErr, wantKeysFail, wantProblems int
	for _, a := range accts {
		st := audit.Pass
		if a.Error != "" {
			st = audit.Error
		}
		for _, c := range a.Checks {
			if c.Status == audit.Fail {
				st = audit.Fail
			} else if c.Status == audit.Error && st != audit.Fail {
				st = audit.Error
			}
			if c.ID == "root-access-keys" && c.Status == audit.Fail {
				wantKeysFail++
			}
		}
		switch st {
		case audit.Fail:
			wantFail++
		case audit.Error:
			wantErr++
		}
	}
	wantProblems = wantFail + wantErr

	t.Run("unfiltered", func(t *testing.T) {
		t.Parallel() // one Chromium each, mostly waiting on its start
		dom := runChromium(t, bin, "--dump-dom", pageURL)
		visible, shown := visibleRows(dom)
		if len(visible) != 1000 || shown != "1,000 of 1,000 accounts shown" {
			t.Errorf("visible rows = %d, shown %q; want all 1,000", len(visible), shown)
		}
		for id, want := range map[string]int{"count-fail": wantFail, "count-error": wantErr, "count-pass": 1000 - wantProblems, "count-accounts": 1000, "count-skipped": 1} {
			if !strings.Contains(dom, fmt.Sprintf(`<b id="%s">%s</b>`, id, thousands(want))) {
				t.Errorf("summary %s is not %d", id, want)
			}
		}
		// FAIL accounts head every OU group.
		for _, group := range strings.Split(dom, `<tbody class="group">`)[1:] {
			statuses := regexp.MustCompile(`<tr class="acct" id="r-\d+" data-status="(\w+)"`).FindAllStringSubmatch(group, -1)
			seenOther := false
			for _, s := range statuses {
				if s[1] != "FAIL" {
					seenOther = true
				} else if seenOther {
					t.Fatalf("a FAIL account comes after a non-FAIL one in its group")
				}
			}
		}
	})

	t.Run("filter FAIL on root-access-keys", func(t *testing.T) {
		t.Parallel() // one Chromium each, mostly waiting on its start
		dom := runChromium(t, bin, "--dump-dom", pageURL+"#f:status=FAIL&check=root-access-keys")
		visible, shown := visibleRows(dom)
		if len(visible) != wantKeysFail || shown != fmt.Sprintf("%d of 1,000 accounts shown", wantKeysFail) {
			t.Fatalf("visible = %d, shown %q; want %d", len(visible), shown, wantKeysFail)
		}
		for _, id := range visible {
			var n int
			fmt.Sscanf(id, "%d", &n)
			if (n-100000000000)%7 != 3 {
				t.Errorf("account %s shown but its root-access-keys does not FAIL", id)
			}
		}
		if !strings.Contains(dom, `<option value="root-access-keys" selected="">`) && !strings.Contains(dom, `id="f-check"`) {
			t.Error("check filter not in the page")
		}
	})

	t.Run("filter FAIL or ERROR, by name", func(t *testing.T) {
		t.Parallel() // one Chromium each, mostly waiting on its start
		dom := runChromium(t, bin, "--dump-dom", pageURL+"#f:status=problems&q=team-49")
		visible, _ := visibleRows(dom)
		// team-49 and team-490..499: 49 and 499 unreachable, 491 (i%7==1)... count by rule.
		want := 0
		for i := range 1000 {
			if strings.Contains(fmt.Sprintf("team-%d", i), "team-49") && (i%50 == 49 || i%7 == 3 || i%13 == 5) {
				want++
			}
		}
		if len(visible) != want {
			t.Errorf("visible = %v, want %d accounts", visible, want)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		t.Parallel() // one Chromium each, mostly waiting on its start
		shot := filepath.Join(artifactDir(t), "report-1000-accounts.png")
		runChromium(t, bin, "--hide-scrollbars", "--window-size=1400,1000", "--screenshot="+shot, pageURL)
		info, err := os.Stat(shot)
		if err != nil || info.Size() < 10_000 {
			t.Fatalf("screenshot %s: %v (size %d)", shot, err, sizeOf(info))
		}
		t.Logf("screenshot: %s", shot)
	})
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}
