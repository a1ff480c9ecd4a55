// Package calllog is awsemu's log of the API calls it answered: who called
// which action with which key parameters, and the outcome, rendered for
// test failures (String) and as what a credential change did (Describe).
package calllog

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Record is one call in the call log.
type Record struct {
	Time      time.Time
	Account   string // the caller's account; empty when authentication failed
	Principal string // the caller's ARN
	Service   string
	Action    string
	// IAMActions are the IAM actions the call needed, as the front
	// authorized them ("s3:ListBucket" for ListObjectsV2); empty when it
	// was refused before authorization (authentication, faults).
	IAMActions []string
	Region     string
	// Params holds the call's key parameters (AccessKeyId, UserName,
	// SerialNumber, RoleArn, TargetPrincipal, TaskPolicyArn, AccountId, …).
	Params    map[string]string
	Status    int
	ErrorCode string // empty on success
}

// loggedParams are the request parameters worth asserting on.
var loggedParams = []string{
	"AccessKeyId", "UserName", "SerialNumber", "CertificateId", "RoleArn", "RoleName",
	"RoleSessionName", "TargetPrincipal", "TaskPolicyArn.arn", "VirtualMFADeviceName",
	"AccountId", "ParentId", "ServicePrincipal", "QueueUrl", "QueueName", "FunctionName",
	"Name", "EventBusName", "DurationSeconds",
}

// KeyParams picks the parameters worth asserting on (AccessKeyId, UserName,
// RoleArn, …) from Query parameters or top-level JSON fields.
func KeyParams(params url.Values, body []byte, p wire.Protocol) map[string]string {
	out := map[string]string{}
	switch p {
	case wire.Query:
		for _, name := range loggedParams {
			if v := params.Get(name); v != "" {
				out[strings.TrimSuffix(name, ".arn")] = v
			}
		}
	case wire.JSON:
		var fields map[string]any
		if json.Unmarshal(body, &fields) != nil {
			return out
		}
		for _, name := range loggedParams {
			if v, ok := fields[name].(string); ok && v != "" {
				out[name] = v
			}
		}
	}
	return out
}

// Log is a call log safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	records []Record
}

// Add appends a copy of *r.
func (l *Log) Add(r *Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, *r)
}

// Records returns a copy of the log, oldest first.
func (l *Log) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.records...)
}

// To returns the logged calls of one service action.
func (l *Log) To(service, action string) []Record {
	var out []Record
	for _, r := range l.Records() {
		if r.Service == service && r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// Reset empties the log.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = nil
}

// OK reports whether the call succeeded.
func (r Record) OK() bool { return r.ErrorCode == "" }

// String renders the record for test failures and logs:
// "2024-05-01T10:00:00Z 222222222222 arn:aws:iam::222222222222:root iam:DeleteAccessKey AccessKeyId=AKIA… -> ok".
func (r Record) String() string {
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s:%s", r.Time.UTC().Format(time.RFC3339), r.Account, r.Principal, r.Service, r.Action)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, r.Params[k])
	}
	outcome := "ok"
	if !r.OK() {
		outcome = r.ErrorCode
	}
	fmt.Fprintf(&b, " -> %s", outcome)
	return b.String()
}

// Describe says in words what a successful change did, for the credential
// changes rootguard makes: "root key AKIA… was deleted in 222222222222",
// "access key AKIA… of user alice was deleted in 222222222222". Other calls
// are described by String.
func (r Record) Describe() string {
	if !r.OK() {
		return r.String()
	}
	owner := "root"
	if u := r.Params["UserName"]; u != "" {
		owner = "user " + u + "'s"
	}
	switch r.Service + ":" + r.Action {
	case "iam:DeleteAccessKey":
		return fmt.Sprintf("%s key %s was deleted in %s", owner, r.Params["AccessKeyId"], r.Account)
	case "iam:UpdateAccessKey":
		return fmt.Sprintf("%s key %s was updated in %s", owner, r.Params["AccessKeyId"], r.Account)
	case "iam:DeleteSigningCertificate":
		return fmt.Sprintf("%s signing certificate %s was deleted in %s", owner, r.Params["CertificateId"], r.Account)
	case "iam:DeleteLoginProfile":
		return fmt.Sprintf("%s password was deleted in %s", owner, r.Account)
	case "iam:DeactivateMFADevice":
		return fmt.Sprintf("%s MFA device %s was deactivated in %s", owner, r.Params["SerialNumber"], r.Account)
	}
	return r.String()
}
