package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/credreport"
)

// reportMaxAge: AWS generates a new credential report at most every four
// hours, so a younger one is reused as it is.
const reportMaxAge = 4 * time.Hour

// Poll delays while a report is generated: AWS documents no interval, and
// reports for small accounts are ready in seconds.
const (
	reportFirstDelay = 500 * time.Millisecond
	reportMaxDelay   = 8 * time.Second
)

// ReportTimeoutError is returned when no credential report was ready within
// Options.ReportWait. Err is the call the deadline cut, when it cut one
// (throttled, typically: an awsconfig.RetryDeadlineError naming it).
type ReportTimeoutError struct {
	Wait time.Duration
	Err  error
}

func (e *ReportTimeoutError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("credential report not read within %s (raise --report-wait): %v", e.Wait, e.Err)
	}
	return fmt.Sprintf("credential report not ready after %s (raise --report-wait)", e.Wait)
}

func (e *ReportTimeoutError) Unwrap() error { return e.Err }

// fetchCredentialReport returns a credential report no older than four
// hours: the existing one when fresh, otherwise one generated now, polling
// GenerateCredentialReport with backoff through LimitExceeded and
// ReportInProgress until opts.ReportWait runs out.
//
// ReportWait is a context deadline too, so that it also ends the SDK's
// retries of a throttled call (8 attempts with backoff each, which would
// otherwise decide how long the report takes).
func fetchCredentialReport(parent context.Context, api iamAPI, opts Options) (*credreport.Report, error) {
	ctx, cancel := context.WithTimeout(parent, opts.ReportWait)
	defer cancel()
	rep, err := pollCredentialReport(ctx, api, opts)
	if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		var timeout *ReportTimeoutError
		if !errors.As(err, &timeout) {
			err = &ReportTimeoutError{Wait: opts.ReportWait, Err: err}
		}
	}
	return rep, err
}

func pollCredentialReport(ctx context.Context, api iamAPI, opts Options) (*credreport.Report, error) {
	deadline := opts.Now().Add(opts.ReportWait)
	out, err := api.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	switch awserr.Code(err) {
	case "":
		if err != nil {
			return nil, fmt.Errorf("get credential report: %w", err)
		}
		if out.GeneratedTime != nil && opts.Now().Sub(*out.GeneratedTime) < reportMaxAge {
			return parseReport(out)
		}
	case "ReportNotPresent", "ReportExpired", "ReportInProgress":
	default:
		return nil, fmt.Errorf("get credential report: %w", err)
	}
	delay := reportFirstDelay
	for {
		gen, err := api.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		switch {
		case err == nil && gen.State == types.ReportStateTypeComplete:
			out, err := api.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if err == nil {
				return parseReport(out)
			}
			if c := awserr.Code(err); c != "ReportInProgress" && c != "ReportNotPresent" {
				return nil, fmt.Errorf("get credential report: %w", err)
			}
		case err != nil && awserr.Code(err) != "LimitExceeded":
			return nil, fmt.Errorf("generate credential report: %w", err)
		}
		if opts.Now().Add(delay).After(deadline) {
			return nil, &ReportTimeoutError{Wait: opts.ReportWait}
		}
		if err := opts.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("wait for credential report: %w", err)
		}
		delay = min(delay*2, reportMaxDelay)
	}
}

func parseReport(out *iam.GetCredentialReportOutput) (*credreport.Report, error) {
	if out.ReportFormat != "" && out.ReportFormat != types.ReportFormatTypeTextCsv {
		return nil, fmt.Errorf("credential report format %q, want text/csv", out.ReportFormat)
	}
	rep, err := credreport.Parse(bytes.NewReader(out.Content))
	if err != nil {
		return nil, fmt.Errorf("parse credential report: %w", err)
	}
	return rep, nil
}
