package report

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rootguard/rootguard/internal/audit"
)

// HTMLInput is what an HTML report shows. Only Accounts is required.
type HTMLInput struct {
	Accounts []audit.AccountResult
	// OUs maps an account ID to the organizational unit it sits in (a path
	// such as "Root/prod/pci"). With it the grid is grouped by OU; nil when
	// the run does not know the accounts' OUs.
	OUs       map[string]string
	Skipped   []SkippedAccount
	Notes     []string
	Generated time.Time
	Version   string
}

// HTML writes one self-contained page: summary counts, an accounts × checks
// grid (FAIL and ERROR accounts first, grouped by OU when known) whose every
// cell links to that check's detail, evidence and fix command, and filters
// by status, check and account. It loads nothing from the network: CSS and
// script are inline and the page's Content-Security-Policy forbids fetches.
//
// The whole page is written by htmlWriter, not by executing a template:
// for the grid's rows and the findings, one per account and check (60,000
// at 10,000 accounts), html/template's reflective calls were ~3/4 of the
// time; for the page around them (html_shell.go), executing any template
// turns off the linker's dead-code elimination of methods in every binary
// that links this package. The rows and findings are streamed to w from the
// accounts as they are, in 64 KiB writes; what is kept besides is one small
// entry per account and per FAIL or ERROR finding, for the order. Every
// value is escaped as html/template escapes it in the same place
// (escapeHTML, escapeFragment). On an error the page is incomplete: the
// caller discards it.
func HTML(w io.Writer, in HTMLInput) error {
	p := newHTMLPage(in)
	h := &htmlWriter{w: w, buf: make([]byte, 0, htmlFlushAt+16<<10)}
	h.enc = json.NewEncoder(&h.js)
	h.enc.SetIndent("", "  ")
	p.writeHead(h)
	cols := len(p.Columns)
	cells := make([]int, cols)
	for _, g := range p.groups {
		h.raw("<tbody class=\"group\">\n")
		if p.grouped {
			h.raw(`<tr class="ou"><th colspan="`)
			h.int(cols + 1)
			h.raw(`">`)
			h.text(g.Name)
			h.raw(` <span class="group-count">`)
			h.int(len(g.rows))
			h.raw(" accounts: ")
			h.int(g.Fail)
			h.raw(" fail, ")
			h.int(g.Error)
			h.raw(" error, ")
			h.int(g.Pass)
			h.raw(" pass</span></th></tr>\n")
		}
		for _, r := range g.rows {
			p.row(h, &in.Accounts[r.acct], r.status, cells)
			if err := h.flushIfFull(); err != nil {
				return err
			}
		}
		h.raw("</tbody>\n")
	}
	p.writeProblems(h)
	for _, f := range p.problems {
		a := &in.Accounts[f.acct]
		if f.check < 0 {
			h.accountError(a)
		} else if err := h.finding(a, &a.Checks[f.check]); err != nil {
			return err
		}
		if err := h.flushIfFull(); err != nil {
			return err
		}
	}
	p.writeOthers(h)
	for i := range in.Accounts {
		a := &in.Accounts[i]
		if a.Error != "" {
			continue
		}
		for j := range a.Checks {
			if c := &a.Checks[j]; !isProblem(c.Status) {
				if err := h.finding(a, c); err != nil {
					return err
				}
			}
		}
		if err := h.flushIfFull(); err != nil {
			return err
		}
	}
	p.writeTail(h)
	return h.flush()
}

// notRun is the grid's status for a check an account's audit did not run
// (a member reached with sts:AssumeRoot runs only the root-credential
// checks): shown as such, never as a pass.
const notRun audit.Status = "NOT_RUN"

// htmlPage is what the page shows, computed in one pass over the accounts
// before anything is written (the header's counts and the order need all of
// them). Exported fields are the ones testdata/html.tmpl, the template the
// page's shell was written from, reads: the tests execute it to compare.
type htmlPage struct {
	Generated      string
	Version        string
	Accounts       int
	AccountSummary AccountSummary
	Summary        Summary
	Columns        []htmlColumn
	Skipped        []SkippedAccount
	Notes          []string
	Problems       int // FAIL and ERROR findings
	Others         int // the others (PASS, NOT_APPLICABLE)

	grouped  bool
	col      map[audit.CheckID]int
	groups   []*htmlGroup
	problems []findingRef // worst first
}

type htmlColumn struct {
	ID          audit.CheckID
	Title       string
	Fail, Error int
}

type htmlGroup struct {
	Name              string
	rows              []htmlRow
	Fail, Error, Pass int
}

// htmlRow is an account's row: its index in the input, its status and how
// many FAIL and ERROR cells it has (for the order).
type htmlRow struct {
	acct     int
	status   audit.Status
	problems int
}

// findingRef is a FAIL or ERROR finding: an account's check, or (check -1)
// the account that could not be audited.
type findingRef struct {
	acct, check      int
	status, severity int // ranks
	id               string
}

var statusRank = map[audit.Status]int{audit.Fail: 0, audit.Error: 1, audit.Pass: 2, audit.NotApplicable: 3, notRun: 4}

var severityRank = map[audit.Severity]int{audit.Critical: 0, audit.High: 1, audit.Medium: 2, audit.Low: 3}

var cellLabel = map[audit.Status]string{audit.Fail: "FAIL", audit.Error: "ERROR", audit.Pass: "PASS", audit.NotApplicable: "N/A", notRun: "not run"}

func isProblem(s audit.Status) bool { return s == audit.Fail || s == audit.Error }

func newHTMLPage(in HTMLInput) *htmlPage {
	p := &htmlPage{
		Version:        in.Version,
		Accounts:       len(in.Accounts),
		AccountSummary: SummarizeAccounts(in.Accounts),
		Summary:        Summarize(in.Accounts),
		grouped:        in.OUs != nil,
		Skipped:        in.Skipped,
		Notes:          in.Notes,
	}
	if !in.Generated.IsZero() {
		p.Generated = in.Generated.UTC().Format(time.RFC3339)
	}
	p.Columns = columns(in.Accounts)
	p.col = make(map[audit.CheckID]int, len(p.Columns))
	for i, c := range p.Columns {
		p.col[c.ID] = i
	}

	groups := map[string]*htmlGroup{}
	cells := make([]int, len(p.Columns))
	for i := range in.Accounts {
		a := &in.Accounts[i]
		name := ""
		if p.grouped {
			name = in.OUs[a.AccountID]
			if name == "" {
				name = "OU not known"
			}
		}
		g := groups[name]
		if g == nil {
			g = &htmlGroup{Name: name}
			groups[name] = g
		}
		row := htmlRow{acct: i, status: AccountStatus(*a)}
		switch row.status {
		case audit.Fail:
			g.Fail++
		case audit.Error:
			g.Error++
		default:
			g.Pass++
		}
		if a.Error != "" {
			// Ranked before any account with cells.
			row.problems = 1 << 16
			p.problems = append(p.problems, findingRef{acct: i, check: -1, status: statusRank[audit.Error], id: a.AccountID})
		} else {
			for j := range a.Checks {
				c := &a.Checks[j]
				switch c.Status {
				case audit.Fail:
					p.Columns[p.col[c.ID]].Fail++
				case audit.Error:
					p.Columns[p.col[c.ID]].Error++
				}
				if isProblem(c.Status) {
					p.problems = append(p.problems, findingRef{acct: i, check: j, status: statusRank[c.Status], severity: severityRank[c.Severity], id: a.AccountID})
				} else {
					p.Others++
				}
			}
			for _, k := range p.cells(a, cells) {
				if k >= 0 && isProblem(a.Checks[k].Status) {
					row.problems++
				}
			}
		}
		g.rows = append(g.rows, row)
	}
	p.Problems = len(p.problems)
	for _, g := range groups {
		slices.SortStableFunc(g.rows, func(a, b htmlRow) int {
			if d := statusRank[a.status] - statusRank[b.status]; d != 0 {
				return d
			}
			if d := b.problems - a.problems; d != 0 {
				return d
			}
			return strings.Compare(in.Accounts[a.acct].AccountID, in.Accounts[b.acct].AccountID)
		})
		p.groups = append(p.groups, g)
	}
	// Groups with failing accounts first, then with errors, then by name.
	slices.SortFunc(p.groups, func(a, b *htmlGroup) int {
		if d := b.Fail - a.Fail; d != 0 {
			return d
		}
		if d := b.Error - a.Error; d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	slices.SortStableFunc(p.problems, func(a, b findingRef) int {
		if d := a.status - b.status; d != 0 {
			return d
		}
		if d := a.severity - b.severity; d != 0 {
			return d
		}
		return strings.Compare(a.id, b.id)
	})
	return p
}

// cells fills dst, one entry per column, with the index in a.Checks of the
// check shown in that column (the last with its ID), -1 when the account
// did not run it.
func (p *htmlPage) cells(a *audit.AccountResult, dst []int) []int {
	for i := range dst {
		dst[i] = -1
	}
	for j := range a.Checks {
		dst[p.col[a.Checks[j].ID]] = j
	}
	return dst
}

// row writes an account's row of the grid.
func (p *htmlPage) row(h *htmlWriter, a *audit.AccountResult, status audit.Status, cells []int) {
	h.raw(`<tr class="acct" id="r-`)
	h.text(a.AccountID)
	h.raw(`" data-status="`)
	h.text(string(status))
	h.raw(`" data-account="`)
	h.text(a.AccountID)
	h.raw(" ")
	h.text(a.AccountAlias)
	h.raw("\">\n<th class=\"acct\">")
	h.badge(status)
	h.raw(" ")
	h.text(a.AccountID)
	if a.AccountAlias != "" {
		h.raw(" (")
		h.text(a.AccountAlias)
		h.raw(")")
	}
	if a.Access != "" {
		h.raw(` <span class="access">`)
		h.text(a.Access)
		h.raw("</span>")
	}
	h.raw("</th>\n")
	if a.Error != "" {
		h.raw(`<td class="accterr" colspan="`)
		h.int(len(p.Columns))
		h.raw(`" data-check="*" data-status="ERROR"><a href="#a-`)
		h.fragment(a.AccountID)
		h.raw(`">could not be audited: `)
		h.text(a.Error)
		h.raw("</a></td>\n</tr>\n")
		return
	}
	for i, k := range p.cells(a, cells) {
		h.raw(`<td class="cell" data-check="`)
		if k < 0 {
			id := p.Columns[i].ID
			h.text(string(id))
			h.raw(`" data-status="NOT_RUN"><span class="s-not_run" title="`)
			h.text(string(id))
			h.raw(`: not run in this account">not run</span></td>`)
			continue
		}
		c := &a.Checks[k]
		h.text(string(c.ID))
		h.raw(`" data-status="`)
		h.text(string(c.Status))
		h.raw(`"><a class="s-`)
		h.text(lowerStatus(c.Status))
		h.raw(`" href="#c-`)
		h.fragment(a.AccountID)
		h.raw("-")
		h.fragment(string(c.ID))
		h.raw(`" title="`)
		h.text(string(c.ID))
		h.raw(": ")
		h.text(oneLineFast(c.Detail))
		h.raw(`">`)
		h.text(cellLabel[c.Status])
		h.raw("</a></td>")
	}
	h.raw("\n</tr>\n")
}

// columns are the checks in report order, then any others the accounts ran.
func columns(accounts []audit.AccountResult) []htmlColumn {
	titles := map[audit.CheckID]string{}
	var extra []audit.CheckID
	for _, a := range accounts {
		for _, c := range a.Checks {
			if _, seen := titles[c.ID]; !seen {
				titles[c.ID] = c.Title
				if !slices.Contains(audit.CheckIDs(), c.ID) {
					extra = append(extra, c.ID)
				}
			}
		}
	}
	var out []htmlColumn
	for _, id := range append(audit.CheckIDs(), extra...) {
		if t, ok := titles[id]; ok {
			out = append(out, htmlColumn{ID: id, Title: t})
		}
	}
	return out
}

// FixCommand is the rootguard command that plans the fix of a failing
// check in that account ("" when the fix is not a rootguard command, or the
// check does not fail). Commands plan only: `fix` changes nothing without
// --approve.
func FixCommand(a audit.AccountResult, c audit.CheckResult) string {
	if c.Status != audit.Fail {
		return ""
	}
	// Member accounts reached with sts:AssumeRoot are fixed the same way
	// from the management account; others need their own credentials.
	viaRoot := a.Access == "assume-root"
	switch c.ID {
	case audit.CheckRootAccessKeys, audit.CheckRootSigningCertificates:
		if viaRoot {
			return "rootguard fix --accounts " + a.AccountID + " --only " + string(c.ID)
		}
		return "rootguard fix --only " + string(c.ID) + inAccount(a)
	case audit.CheckOrgCentralizedRootAccess:
		return "rootguard fix --only " + string(c.ID)
	case audit.CheckRootMFA, audit.CheckRootHardwareMFA:
		if viaRoot {
			return "rootguard fix --accounts " + a.AccountID + " --remove-root-credentials"
		}
		return "rootguard mfa" + inAccount(a)
	case audit.CheckRootAlerting, audit.CheckRootActivityAlerting:
		if a.Access == "" || a.Access == "caller" {
			return "rootguard alert deploy"
		}
		return "rootguard alert deploy --org"
	}
	return ""
}

// inAccount names the account to run a command in when the report is of an
// organization and the command cannot reach that account from here.
func inAccount(a audit.AccountResult) string {
	if a.Access == "" || a.Access == "caller" {
		return ""
	}
	return "   # with credentials of account " + a.AccountID
}
