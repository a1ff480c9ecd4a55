// Package posture is the scheduled auditor: one run audits the organization
// with the engine of `audit --org`, stores the run in the hub (package
// runstore), computes the drift from the run published before it (package
// drift), writes the run's HTML report beside it, and hands the digest to
// the alert pipeline's queue, so it reaches Slack with the alert function's
// webhook secret, retries and dead-letter queue.
//
// The same Run serves the Lambda function (cmd/auditor) and
// `rootguard posture run` from a terminal.
package posture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/buildinfo"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/drift"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/orgtree"
	"github.com/rootguard/rootguard/internal/report"
	"github.com/rootguard/rootguard/internal/runstore"
)

type sqsAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

type s3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var (
	_ sqsAPI = (*sqs.Client)(nil)
	_ s3API  = (*s3.Client)(nil)
)

// DigestChanges caps the changes a queued digest carries (the rest are
// counted by kind): a digest lists far fewer, and the message stays well
// under SQS's message size limit.
const DigestChanges = 50

// Options configure a run.
type Options struct {
	Bucket    string // the pipeline's bucket
	Prefix    string // runstore.DefaultPrefix when empty
	QueueURL  string // the alert pipeline's queue
	Heartbeat bool   // post a digest when nothing drifted

	// SecurityHub imports every account's findings into its own Security
	// Hub (securityhub.go), assuming ImportRoleName in members
	// (stack.Names.PostureImportRole of the default prefix when empty).
	SecurityHub    bool
	ImportRoleName string

	RoleName       string
	Concurrency    int
	AccountTimeout time.Duration
	Audit          audit.Options

	Now   func() time.Time // nil: time.Now
	NewID func() string    // nil: start time and 4 random bytes
}

// Result is what one run did.
type Result struct {
	Run        *drift.Run
	RunKey     string
	ReportKey  string
	Digest     *digest.Digest // nil when superseded
	Posted     bool           // the digest was queued for Slack
	Superseded bool           // a later run was published first: stored, no digest
	// SecurityHub is the run's import into Security Hub; nil when not asked.
	SecurityHub *SecurityHubResult
}

// Run audits the organization once and publishes the result. It fails as a
// whole only when the organization cannot be read or the run cannot be
// stored; every account that cannot be audited is its ERROR row.
func Run(ctx context.Context, cfg aws.Config, opts Options) (*Result, error) {
	return run(ctx, cfg, s3.NewFromConfig(cfg), sqs.NewFromConfig(cfg), opts)
}

func run(ctx context.Context, cfg aws.Config, s3c s3API, q sqsAPI, opts Options) (*Result, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	started := now().UTC()
	id := runID(started)
	if opts.NewID != nil {
		id = opts.NewID()
	}
	// The OU tree for the report is read while the accounts are audited:
	// after them, its ListAccountsForParent pages (20 accounts each, one
	// after another) would add 25 s to a 10,000-account run.
	var (
		ous  map[string]string
		note string
		tree sync.WaitGroup
	)
	treeCtx, stopTree := context.WithCancel(ctx)
	defer stopTree()
	tree.Go(func() { ous, note = orgtree.ForReport(treeCtx, cfg) })
	// So is the run published before, which the drift is computed from
	// (~30 MB to fetch and decode at 10,000 accounts): unreadable now, or
	// superseded by the time this run is published, it is read then.
	store := &runstore.Store{S3: s3c, Bucket: opts.Bucket, Prefix: opts.Prefix}
	var latest *drift.Run
	tree.Go(func() { latest, _ = store.Latest(treeCtx) })
	org, err := orgaudit.Run(ctx, cfg, orgaudit.Options{
		Selection:      orgscan.Selection{Org: true},
		RoleName:       opts.RoleName,
		Concurrency:    opts.Concurrency,
		AccountTimeout: opts.AccountTimeout,
		Audit:          opts.Audit,
	})
	if err != nil {
		stopTree()
		tree.Wait()
		return nil, fmt.Errorf("audit the organization: %w", err)
	}
	tree.Wait()
	r := &drift.Run{
		SchemaVersion: drift.SchemaVersion, ID: id, StartedAt: started, FinishedAt: now().UTC(),
		Management: org.Management, Notes: org.Notes,
		Accounts: make([]audit.AccountResult, len(org.Rows)),
	}
	for i, row := range org.Rows {
		r.Accounts[i] = row.AccountResult()
	}
	for _, s := range org.Skipped {
		r.Skipped = append(r.Skipped, drift.Skipped{AccountID: s.ID, Name: s.Name, Status: s.Status})
	}
	res := &Result{Run: r}
	if opts.SecurityHub {
		role := opts.ImportRoleName
		if role == "" {
			role = importRoleName("")
		}
		ictx, cancel := importContext(ctx)
		res.SecurityHub = importSecurityHub(ictx, cfg, importTarget{caller: org.Caller, management: org.Management, roleName: role,
			accounts: r.Accounts, at: started}, opts.Concurrency, opts.AccountTimeout,
			func(c aws.Config) findingsAPI { return securityhub.NewFromConfig(c) })
		cancel()
		r.Notes = append(r.Notes, res.SecurityHub.Notes()...)
	}

	if note != "" {
		r.Notes = append(r.Notes, note)
	}
	if res.RunKey, err = store.Put(ctx, r); err != nil {
		return nil, err
	}
	if res.ReportKey, err = writeReport(ctx, s3c, store, r, ous); err != nil {
		return res, err
	}
	prev, err := store.PublishAfter(ctx, r, latest)
	if errors.Is(err, runstore.ErrSuperseded) {
		res.Superseded = true
		return res, nil
	}
	if err != nil {
		return res, err
	}
	d := drift.Compute(prev, r)
	d.Report = "s3://" + opts.Bucket + "/" + res.ReportKey
	if res.SecurityHub != nil {
		d.SecurityHub = res.SecurityHub.Digest()
	}
	res.Digest = d
	// Accounts missing from Security Hub are posted even without drift.
	if d.Total() == 0 && prev != nil && !opts.Heartbeat && d.SecurityHub.GapCount() == 0 {
		return res, nil
	}
	if err := queueDigest(ctx, q, opts.QueueURL, cfg.Region, r, d); err != nil {
		// Nothing is lost: the previous run becomes the latest again, so
		// the next run reports these changes.
		if prev == nil {
			return res, fmt.Errorf("run %s is stored and published as the baseline, but its digest was not queued: %w", r.ID, err)
		}
		if rerr := store.Revert(ctx, r, prev); rerr != nil {
			return res, fmt.Errorf("run %s is stored, but its digest was not queued (%w) and it could not be unpublished (%v): its changes will not be posted", r.ID, err, rerr)
		}
		return res, fmt.Errorf("run %s is stored but not published: its digest was not queued (%w); the next run reports its changes", r.ID, err)
	}
	res.Posted = true
	return res, nil
}

// runID sorts by start time and is unique across overlapping runs.
func runID(started time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return started.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ReportKey is where a run's HTML report is written, beside the run.
func ReportKey(store *runstore.Store, runID string) string {
	key := store.RunKey(runID)
	return key[:len(key)-len(".json")] + ".html"
}

func writeReport(ctx context.Context, s3c s3API, store *runstore.Store, r *drift.Run, ous map[string]string) (string, error) {
	var page pageBuffer
	skipped := make([]report.SkippedAccount, len(r.Skipped))
	for i, s := range r.Skipped {
		skipped[i] = report.SkippedAccount{AccountID: s.AccountID, Name: s.Name, Status: s.Status}
	}
	if err := report.HTML(&page, report.HTMLInput{Accounts: r.Accounts, OUs: ous, Skipped: skipped, Notes: r.Notes,
		Generated: r.FinishedAt, Version: buildinfo.String()}); err != nil {
		return "", fmt.Errorf("render the report of run %s: %w", r.ID, err)
	}
	key := ReportKey(store, r.ID)
	_, err := s3c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &store.Bucket, Key: &key, Body: page.Reader(),
		ContentType: aws.String("text/html; charset=utf-8"), IfNoneMatch: aws.String("*"),
	})
	if err != nil {
		return "", fmt.Errorf("store the report of run %s: %w", r.ID, awserr.Classify(err))
	}
	return key, nil
}

// queueDigest sends the digest to the alert queue as a rootguard.posture
// event, the shape the alert function reads.
func queueDigest(ctx context.Context, q sqsAPI, queueURL, region string, r *drift.Run, d *digest.Digest) error {
	d.Trim(DigestChanges)
	detail, err := json.Marshal(d)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{
		"version": "0", "id": r.ID, "detail-type": alertevent.PostureDetailType, "source": alertevent.PostureSource,
		"account": r.Management, "time": r.FinishedAt.Format(time.RFC3339), "region": region,
		"resources": []string{}, "detail": json.RawMessage(detail),
	})
	if err != nil {
		return err
	}
	_, err = q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("send to %s: %w", queueURL, awserr.Classify(err))
	}
	return nil
}
