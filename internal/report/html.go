package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
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

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"thousands": thousands,
	"lower":     func(s audit.Status) string { return strings.ToLower(string(s)) },
	"inc":       func(n int) int { return n + 1 },
}).Parse(htmlSource))

// HTML writes one self-contained page: summary counts, an accounts × checks
// grid (FAIL and ERROR accounts first, grouped by OU when known) whose every
// cell links to that check's detail, evidence and fix command, and filters
// by status, check and account. It loads nothing from the network: CSS and
// script are inline and the page's Content-Security-Policy forbids fetches.
// Every value is escaped by html/template.
func HTML(w io.Writer, in HTMLInput) error {
	v, err := newHTMLView(in)
	if err != nil {
		return err
	}
	return htmlTemplate.Execute(w, v)
}

// notRun is the grid's status for a check an account's audit did not run
// (a member reached with sts:AssumeRoot runs only the root-credential
// checks): shown as such, never as a pass.
const notRun audit.Status = "NOT_RUN"

type htmlView struct {
	Generated      string
	Version        string
	Accounts       int
	AccountSummary AccountSummary
	Summary        Summary
	Columns        []htmlColumn
	Groups         []htmlGroup
	Grouped        bool
	Problems       []htmlFinding // FAIL and ERROR, worst first
	Others         []htmlFinding // PASS and NOT_APPLICABLE
	Skipped        []SkippedAccount
	Notes          []string
}

type htmlColumn struct {
	ID          audit.CheckID
	Title       string
	Fail, Error int
}

type htmlGroup struct {
	Name              string
	Rows              []htmlRow
	Fail, Error, Pass int
}

type htmlRow struct {
	ID, Name, Access string
	Status           audit.Status
	Error            string // the account could not be audited
	Cells            []htmlCell
}

type htmlCell struct {
	Check  audit.CheckID
	Status audit.Status
	Label  string
	Anchor string // "" when there is nothing to link to (not run)
	Hint   string
}

type htmlFinding struct {
	Anchor              string
	AccountID, Name     string
	Check               audit.CheckID
	Title               string
	Status              audit.Status
	Severity            audit.Severity
	Detail, Remediation string
	Fix                 string
	Evidence            string
	References          []string
}

var statusRank = map[audit.Status]int{audit.Fail: 0, audit.Error: 1, audit.Pass: 2, audit.NotApplicable: 3, notRun: 4}

var severityRank = map[audit.Severity]int{audit.Critical: 0, audit.High: 1, audit.Medium: 2, audit.Low: 3}

var cellLabel = map[audit.Status]string{audit.Fail: "FAIL", audit.Error: "ERROR", audit.Pass: "PASS", audit.NotApplicable: "N/A", notRun: "not run"}

func newHTMLView(in HTMLInput) (*htmlView, error) {
	v := &htmlView{
		Version:        in.Version,
		Accounts:       len(in.Accounts),
		AccountSummary: SummarizeAccounts(in.Accounts),
		Summary:        Summarize(in.Accounts),
		Grouped:        in.OUs != nil,
		Skipped:        in.Skipped,
		Notes:          in.Notes,
	}
	if !in.Generated.IsZero() {
		v.Generated = in.Generated.UTC().Format(time.RFC3339)
	}
	v.Columns = columns(in.Accounts)
	col := map[audit.CheckID]int{}
	for i, c := range v.Columns {
		col[c.ID] = i
	}

	groups := map[string]*htmlGroup{}
	for _, a := range in.Accounts {
		name := ""
		if v.Grouped {
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
		row := htmlRow{ID: a.AccountID, Name: a.AccountAlias, Access: a.Access, Status: AccountStatus(a), Error: a.Error}
		switch row.Status {
		case audit.Fail:
			g.Fail++
		case audit.Error:
			g.Error++
		default:
			g.Pass++
		}
		if a.Error != "" {
			v.Problems = append(v.Problems, htmlFinding{Anchor: anchor(a.AccountID, ""), AccountID: a.AccountID, Name: a.AccountAlias,
				Title: "The account could not be audited", Status: audit.Error, Detail: a.Error})
		} else {
			row.Cells = make([]htmlCell, len(v.Columns))
			for i, c := range v.Columns {
				row.Cells[i] = htmlCell{Check: c.ID, Status: notRun, Label: cellLabel[notRun], Hint: string(c.ID) + ": not run in this account"}
			}
			for _, c := range a.Checks {
				i := col[c.ID]
				row.Cells[i] = htmlCell{Check: c.ID, Status: c.Status, Label: cellLabel[c.Status], Anchor: anchor(a.AccountID, c.ID),
					Hint: string(c.ID) + ": " + oneLine(c.Detail)}
				switch c.Status {
				case audit.Fail:
					v.Columns[i].Fail++
				case audit.Error:
					v.Columns[i].Error++
				}
				f, err := finding(a, c)
				if err != nil {
					return nil, err
				}
				if c.Status == audit.Fail || c.Status == audit.Error {
					v.Problems = append(v.Problems, f)
				} else {
					v.Others = append(v.Others, f)
				}
			}
		}
		g.Rows = append(g.Rows, row)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.Rows, func(a, b htmlRow) int {
			if d := statusRank[a.Status] - statusRank[b.Status]; d != 0 {
				return d
			}
			if d := problems(b) - problems(a); d != 0 {
				return d
			}
			return strings.Compare(a.ID, b.ID)
		})
		v.Groups = append(v.Groups, *g)
	}
	// Groups with failing accounts first, then with errors, then by name.
	slices.SortFunc(v.Groups, func(a, b htmlGroup) int {
		if d := b.Fail - a.Fail; d != 0 {
			return d
		}
		if d := b.Error - a.Error; d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	slices.SortStableFunc(v.Problems, func(a, b htmlFinding) int {
		if d := statusRank[a.Status] - statusRank[b.Status]; d != 0 {
			return d
		}
		if d := severityRank[a.Severity] - severityRank[b.Severity]; d != 0 {
			return d
		}
		return strings.Compare(a.AccountID, b.AccountID)
	})
	return v, nil
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

// problems ranks rows of one status: an account that could not be audited
// at all first, then by its number of FAIL and ERROR checks.
func problems(r htmlRow) int {
	if r.Error != "" {
		return len(r.Cells) + 1<<16
	}
	n := 0
	for _, c := range r.Cells {
		if c.Status == audit.Fail || c.Status == audit.Error {
			n++
		}
	}
	return n
}

func anchor(account string, check audit.CheckID) string {
	if check == "" {
		return "a-" + account
	}
	return "c-" + account + "-" + string(check)
}

func finding(a audit.AccountResult, c audit.CheckResult) (htmlFinding, error) {
	ev, err := json.MarshalIndent(c.Evidence, "", "  ")
	if err != nil {
		return htmlFinding{}, fmt.Errorf("evidence of %s in %s: %w", c.ID, a.AccountID, err)
	}
	return htmlFinding{
		Anchor: anchor(a.AccountID, c.ID), AccountID: a.AccountID, Name: a.AccountAlias,
		Check: c.ID, Title: c.Title, Status: c.Status, Severity: c.Severity,
		Detail: c.Detail, Remediation: c.Remediation, Fix: FixCommand(a, c),
		Evidence: string(ev), References: c.References,
	}, nil
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
