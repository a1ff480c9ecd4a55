package posture

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/report"
	"github.com/rootguard/rootguard/internal/stack"
)

// The Security Hub import (`--security-hub`): every audited account's
// findings go to that account's own Security Hub, in the hub's home Region,
// one finding per account and check, in the ASFF package report writes.
//
//   - From each member: BatchImportFindings into an account's default
//     product must be called from that account (API Reference,
//     BatchImportFindings:
//     https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html),
//     so the auditor assumes stack.Names.PostureImportRole, which the spoke
//     StackSet puts in every member. The hub's own account is imported with
//     the auditor's own credentials. The management account, which a
//     service-managed StackSet never reaches, is imported only when the
//     auditor runs there; otherwise it is a named gap.
//   - In place: a finding's Id is rootguard/<account>/<check>, the same every
//     run, and Security Hub updates the finding with that Id and ProductArn
//     when UpdatedAt (the run's time) is later (User Guide, "BatchImportFindings
//     for finding providers":
//     https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
//   - Resolved when fixed: a provider cannot change Workflow after a finding
//     is created (API Reference, above), and Security Hub sets RESOLVED by
//     itself only for its own control findings (User Guide, "Setting the
//     workflow status of findings":
//     https://docs.aws.amazon.com/securityhub/latest/userguide/findings-workflow-status.html).
//     So a fixed check is imported PASSED and ARCHIVED, which takes it out
//     of the active findings; if it fails again it is ACTIVE and FAILED, and
//     Security Hub resets its workflow to NEW.
//   - At most 100 findings a call, and 10 calls a second per account and
//     Region with bursts of 30 (same page): an account's ~10 findings are one
//     call, so the audit's concurrency is the only limit needed.
//
// An account whose findings are not all imported — no import role, Security
// Hub not enabled, findings refused — is a gap named with its reason, in the
// run's notes and its digest; the import never fails the run.

// SecurityHubResult is what a run imported into Security Hub.
type SecurityHubResult struct {
	Region   string
	Accounts int // accounts whose findings were all imported
	Findings int // findings Security Hub accepted
	Gaps     []digest.Gap
}

// Digest is the result as a digest carries it.
func (r *SecurityHubResult) Digest() *digest.SecurityHub {
	return &digest.SecurityHub{Accounts: r.Accounts, Findings: r.Findings, Gaps: slices.Clone(r.Gaps)}
}

// Notes are the gaps as run notes, one per account.
func (r *SecurityHubResult) Notes() []string {
	out := make([]string, len(r.Gaps))
	for i, g := range r.Gaps {
		out[i] = fmt.Sprintf("Security Hub (%s): account %s not imported: %s", r.Region, g.AccountID, g.Reason)
	}
	return out
}

type findingsAPI interface {
	BatchImportFindings(ctx context.Context, in *securityhub.BatchImportFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
}

var _ findingsAPI = (*securityhub.Client)(nil)

// importBatch is BatchImportFindings' limit on findings a call.
const importBatch = 100

// importTarget is what importSecurityHub needs of a run.
type importTarget struct {
	caller     *account.Session // the hub: its account is imported with cfg itself
	management string
	roleName   string
	accounts   []audit.AccountResult
	at         time.Time
}

// importReserve is the time the import leaves before the run's deadline, to
// store the run and queue its digest: accounts not imported by then are
// gaps, and the run is not lost to its own import.
const importReserve = 10 * time.Second

// importContext is ctx ending importReserve before ctx's deadline, if any.
func importContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, dl.Add(-importReserve))
	}
	return context.WithCancel(ctx)
}

// importSecurityHub imports every account's findings, at most concurrency
// accounts at once, each within timeout.
func importSecurityHub(ctx context.Context, cfg aws.Config, t importTarget, concurrency int, timeout time.Duration,
	client func(aws.Config) findingsAPI) *SecurityHubResult {
	res := &SecurityHubResult{Region: cfg.Region}
	creds := &orgscan.Credentials{Base: cfg, Home: t.caller.AccountID, RoleName: t.roleName, Partition: t.caller.Partition}
	accounts := make([]orgscan.Account, len(t.accounts))
	for i, a := range t.accounts {
		accounts[i] = orgscan.Account{ID: a.AccountID, Name: a.AccountAlias}
	}
	type outcome struct {
		imported int
		gap      string
	}
	outcomes := orgscan.Each(ctx, accounts, concurrency, timeout, func(ctx context.Context, i int, a orgscan.Account) outcome {
		if a.ID == t.management && a.ID != t.caller.AccountID {
			return outcome{gap: "the management account is outside the spoke StackSet, which has no import role there: run the auditor in the management account to import it"}
		}
		findings, err := accountFindings(t.accounts[i], cfg.Region, t.caller.Partition, t.at)
		if err != nil {
			return outcome{gap: err.Error()}
		}
		acfg, _, err := creds.Open(ctx, a.ID) // each account once: no session kept
		if err != nil {
			return outcome{gap: fmt.Sprintf("cannot assume %s (deploy the spoke StackSet with `rootguard alert deploy --org`): %v", t.roleName, awserr.Classify(err))}
		}
		n, err := importAccount(ctx, client(acfg), findings)
		if err != nil {
			return outcome{imported: n, gap: err.Error()}
		}
		return outcome{imported: n}
	}, nil)
	for i, o := range outcomes {
		res.Findings += o.imported
		if o.gap != "" {
			res.Gaps = append(res.Gaps, digest.Gap{AccountID: accounts[i].ID, Reason: o.gap})
			continue
		}
		res.Accounts++
	}
	return res
}

// asffMillis is an ASFF timestamp to the millisecond.
const asffMillis = "2006-01-02T15:04:05.000Z07:00"

// accountFindings are the account's findings as report's ASFF writes them,
// for that account's default product in region, updated at at.
func accountFindings(a audit.AccountResult, region string, p account.Partition, at time.Time) ([]shtypes.AwsSecurityFinding, error) {
	var buf bytes.Buffer
	if err := report.ASFF(&buf, []audit.AccountResult{a}, report.Options{Region: region, Partition: p.ID, Generated: at}); err != nil {
		return nil, fmt.Errorf("render its findings: %w", err)
	}
	var findings []shtypes.AwsSecurityFinding
	if err := json.Unmarshal(buf.Bytes(), &findings); err != nil {
		return nil, fmt.Errorf("render its findings: %w", err)
	}
	// Security Hub ignores an update whose UpdatedAt is not later than the
	// finding's: to the second, as report's ASFF writes it, a run started
	// in the same second as the last import (a repeated asynchronous
	// invocation, `posture run` beside the schedule) would leave the
	// findings as that one left them. Milliseconds, as in the User Guide's
	// example ("Required top-level ASFF attributes": "2017-03-22T13:22:13.933Z").
	ts := at.UTC().Format(asffMillis)
	for i := range findings {
		findings[i].CreatedAt, findings[i].UpdatedAt = aws.String(ts), aws.String(ts)
	}
	return findings, nil
}

// importAccount imports findings in calls of at most importBatch and
// returns how many Security Hub accepted; any finding refused is an error
// naming how many and why.
func importAccount(ctx context.Context, api findingsAPI, findings []shtypes.AwsSecurityFinding) (int, error) {
	ok := 0
	var failed []shtypes.ImportFindingsError
	for chunk := range slices.Chunk(findings, importBatch) {
		out, err := api.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: chunk})
		if err != nil {
			return ok, fmt.Errorf("import findings: %w", awserr.Classify(err))
		}
		ok += int(aws.ToInt32(out.SuccessCount))
		failed = append(failed, out.FailedFindings...)
	}
	if len(failed) == 0 {
		return ok, nil
	}
	first := failed[0]
	why := aws.ToString(first.ErrorCode) + ": " + aws.ToString(first.ErrorMessage)
	if aws.ToString(first.ErrorCode) == "InvalidAccess" {
		why = "Security Hub is not enabled in this Region (" + why + ")"
	}
	return ok, fmt.Errorf("%d of %d findings not imported: %s", len(failed), len(findings), why)
}

// importRoleName is the import role of the pipeline named by prefix.
func importRoleName(prefix string) string {
	if prefix == "" {
		prefix = stack.DefaultPrefix
	}
	return stack.Names{Prefix: prefix}.PostureImportRole()
}
