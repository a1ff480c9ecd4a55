package roottask

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// PlanPasswordRecovery plans allowing root password recovery in acct.
func (e *Engine) PlanPasswordRecovery(ctx context.Context, acct string) (*Plan, error) {
	return e.plan(ctx, acct, passwordRecovery{})
}

// PlanBucketUnlock plans removing the policy of bucket, owned by acct.
func (e *Engine) PlanBucketUnlock(ctx context.Context, acct, bucket string) (*Plan, error) {
	return e.plan(ctx, acct, bucketPolicy{bucket: bucket})
}

// PlanQueueUnlock plans removing the policy of the queue at queueURL, in
// acct; the queue is reached in the Region its URL names.
func (e *Engine) PlanQueueUnlock(ctx context.Context, acct, queueURL string) (*Plan, error) {
	q, err := ParseQueueURL(queueURL)
	if err != nil {
		return nil, err
	}
	return e.plan(ctx, acct, queuePolicy{url: queueURL, in: q.Region})
}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidBucketName checks S3's general purpose bucket naming rules that
// matter for a typo: 3–63 lowercase letters, digits, dots and hyphens,
// starting and ending with a letter or digit, no "..".
func ValidBucketName(name string) error {
	if !bucketName.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("%q is not an S3 bucket name (3–63 lowercase letters, digits, dots and hyphens)", name)
	}
	return nil
}

// Queue is a parsed SQS queue URL.
type Queue struct {
	Account string
	Region  string // "" when the host does not name one (a custom endpoint)
	Name    string
}

var (
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	queueName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}(\.fifo)?$`)
	sqsHost   = regexp.MustCompile(`^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)
)

// ParseQueueURL reads https://sqs.<region>.amazonaws.com/<account>/<name>
// (or the same path on a custom endpoint).
func ParseQueueURL(raw string) (Queue, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Queue{}, fmt.Errorf("%q is not a queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>)", raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || !accountID.MatchString(parts[0]) || !queueName.MatchString(parts[1]) || u.RawQuery != "" || u.Fragment != "" {
		return Queue{}, fmt.Errorf("%q is not a queue URL: the path must be /<12-digit account>/<queue name>", raw)
	}
	q := Queue{Account: parts[0], Name: parts[1]}
	if m := sqsHost.FindStringSubmatch(u.Hostname()); m != nil {
		q.Region = m[1]
	}
	return q, nil
}
