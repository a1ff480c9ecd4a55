package posture

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

// The auditor function's environment, as the posture stack sets it.
const (
	EnvBucket      = stack.EnvPostureBucket
	EnvPrefix      = stack.EnvPosturePrefix
	EnvQueueURL    = stack.EnvPostureQueueURL
	EnvHeartbeat   = stack.EnvPostureHeartbeat
	EnvRoleName    = stack.EnvPostureRoleName
	EnvSecurityHub = stack.EnvPostureSecurityHub
	// EnvFunctionName is set by Lambda to the function's name,
	// stack.Names.PostureFunction: the pipeline's prefix names the import
	// role the auditor assumes in members.
	EnvFunctionName   = "AWS_LAMBDA_FUNCTION_NAME"
	EnvConcurrency    = "ROOTGUARD_CONCURRENCY"
	EnvAccountTimeout = "ROOTGUARD_ACCOUNT_TIMEOUT"
)

// deadlineMargin is kept back from the invocation's deadline to store the
// run and queue the digest after the last account.
const deadlineMargin = 20 * time.Second

// OptionsFromEnv reads the function's Options: the bucket and the queue are
// required, the rest default like `audit --org`.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	o := Options{
		Bucket:         strings.TrimSpace(getenv(EnvBucket)),
		Prefix:         strings.TrimSpace(getenv(EnvPrefix)),
		QueueURL:       strings.TrimSpace(getenv(EnvQueueURL)),
		RoleName:       strings.TrimSpace(getenv(EnvRoleName)),
		Concurrency:    orgscan.DefaultConcurrency,
		AccountTimeout: orgscan.DefaultAccountTimeout,
	}
	if o.Bucket == "" || o.QueueURL == "" {
		return Options{}, fmt.Errorf("%s and %s must name the pipeline's bucket and alert queue", EnvBucket, EnvQueueURL)
	}
	if o.RoleName == "" {
		o.RoleName = orgscan.DefaultRoleName
	}
	if v := getenv(EnvHeartbeat); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Options{}, fmt.Errorf("%s=%q: want true or false", EnvHeartbeat, v)
		}
		o.Heartbeat = b
	}
	if v := getenv(EnvSecurityHub); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Options{}, fmt.Errorf("%s=%q: want 1 or 0", EnvSecurityHub, v)
		}
		o.SecurityHub = b
		o.ImportRoleName = importRoleName(prefixOfFunction(getenv(EnvFunctionName)))
	}
	if v := getenv(EnvConcurrency); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Options{}, fmt.Errorf("%s=%q: want a positive number", EnvConcurrency, v)
		}
		o.Concurrency = n
	}
	if v := getenv(EnvAccountTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Options{}, fmt.Errorf("%s=%q: want a positive duration", EnvAccountTimeout, v)
		}
		o.AccountTimeout = d
	}
	return o, nil
}

// Function is the scheduled auditor's Lambda handler.
type Function struct {
	AWS     aws.Config
	Options Options
	Logger  *slog.Logger
}

// Summary is what an invocation returns and logs.
type Summary struct {
	RunID    string `json:"run_id"`
	Accounts int    `json:"accounts"`
	Changes  int    `json:"changes"`
	NewFail  int    `json:"new_fail"`
	// Drift counts the changes by kind (digest.Kinds), the empty kinds
	// left out.
	Drift      map[string]int `json:"drift,omitempty"`
	Posted     bool           `json:"digest_queued"`
	Superseded bool           `json:"superseded,omitempty"`
	Report     string         `json:"report"`
	// SecurityHub is the run's import (ROOTGUARD_SECURITY_HUB), every
	// account not imported named; nil when not asked for.
	SecurityHub *digest.SecurityHub `json:"security_hub,omitempty"`
}

// Invoke runs once per schedule. The payload (the schedule's input) is
// ignored: what to audit is the function's configuration. An error makes
// EventBridge Scheduler retry the invocation and, past its retry policy,
// send it to the schedule's dead-letter queue.
func (f *Function) Invoke(ctx context.Context, _ json.RawMessage) (*Summary, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineMargin))
		defer cancel()
	}
	res, err := Run(ctx, f.AWS, f.Options)
	if err != nil {
		f.Logger.ErrorContext(ctx, "posture run failed", "error", err.Error())
		return nil, err
	}
	s := &Summary{RunID: res.Run.ID, Accounts: len(res.Run.Accounts), Posted: res.Posted, Superseded: res.Superseded,
		Report: "s3://" + f.Options.Bucket + "/" + res.ReportKey}
	if res.Digest != nil {
		s.Changes, s.NewFail = res.Digest.Total(), res.Digest.Count(digest.NewFail)
		for _, k := range digest.Kinds {
			if n := res.Digest.Count(k); n > 0 {
				if s.Drift == nil {
					s.Drift = map[string]int{}
				}
				s.Drift[string(k)] = n
			}
		}
	}
	attrs := []any{"run_id", s.RunID, "accounts", s.Accounts, "changes", s.Changes,
		"new_fail", s.NewFail, "digest_queued", s.Posted, "superseded", s.Superseded}
	if res.SecurityHub != nil {
		s.SecurityHub = res.SecurityHub.Digest()
		attrs = append(attrs, "security_hub_accounts", s.SecurityHub.Accounts, "security_hub_findings", s.SecurityHub.Findings,
			"security_hub_gaps", len(s.SecurityHub.Gaps))
		for _, g := range res.SecurityHub.Gaps {
			f.Logger.WarnContext(ctx, "security hub import gap", "run_id", s.RunID, "account", g.AccountID, "reason", g.Reason)
		}
	}
	f.Logger.InfoContext(ctx, "posture run done", attrs...)
	return s, nil
}

// prefixOfFunction is the pipeline prefix in the auditor function's name
// (stack.Names.PostureFunction, "<prefix>-posture"), "" when the name is
// not one.
func prefixOfFunction(name string) string {
	suffix := (stack.Names{}).PostureFunction()
	prefix, ok := strings.CutSuffix(name, suffix)
	if !ok {
		return ""
	}
	return prefix
}
