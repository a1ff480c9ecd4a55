package s3

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Buckets is the front's view of S3 buckets, which kumo keeps in one
// account: who owns each bucket created through this Server, and which
// bucket policies deny every principal — the lock-out the
// S3UnlockBucketPolicy root task exists for. It enforces what S3 documents
// for them (S3 API reference, PutBucketPolicy/GetBucketPolicy/
// DeleteBucketPolicy): the bucket-policy calls belong to the bucket owner's
// account, and the owner's root user can always make them, even when the
// policy denies it; a policy that denies every principal blocks everyone
// else. A Deny to every principal is modelled as denying every S3 action
// on the bucket; the emulator evaluates no other bucket policy.
type Buckets struct {
	mu      sync.Mutex
	owner   map[string]string // bucket → account
	lockout map[string]bool
}

func bucketOf(r *http.Request) (string, bool) {
	path := strings.Trim(r.URL.Path, "/")
	if path == "" {
		return "", false
	}
	bucket, rest, _ := strings.Cut(path, "/")
	return bucket, rest == ""
}

var bucketPolicyCalls = map[string]bool{"GetBucketPolicy": true, "PutBucketPolicy": true, "DeleteBucketPolicy": true}

// Authorize refuses what S3 would refuse on a bucket the front saw
// created; action is the IAM action the call needs, for the message.
func (b *Buckets) Authorize(c *emu.Call, action string) error {
	if c.Service != "s3" || c.Request == nil {
		return nil
	}
	bucket, _ := bucketOf(c.Request)
	if bucket == "" {
		return nil
	}
	b.mu.Lock()
	owner, locked := b.owner[bucket], b.lockout[bucket]
	b.mu.Unlock()
	policyCall := bucketPolicyCalls[c.Action]
	resource := "on resource: \"arn:aws:s3:::" + bucket + "\""
	switch {
	case policyCall && owner != "" && owner != c.Caller.Account:
		return emu.AccessDenied(c, action, resource+" because only the bucket owner's account can manage its bucket policy")
	case locked && !(policyCall && c.Caller.IsRoot()):
		return emu.AccessDenied(c, action, resource+" with an explicit deny in a resource-based policy")
	}
	return nil
}

// Observe notes a bucket created, deleted, or given or cleared a policy,
// once S3 (kumo) has answered with success.
func (b *Buckets) Observe(c *emu.Call, status int) {
	if c.Service != "s3" || c.Request == nil || status >= 300 {
		return
	}
	bucket, bucketOnly := bucketOf(c.Request)
	if bucket == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.owner == nil {
		b.owner, b.lockout = map[string]string{}, map[string]bool{}
	}
	switch {
	case c.Action == "PutBucketPolicy":
		b.lockout[bucket] = deniesEveryone(c.Body)
	case c.Action == "DeleteBucketPolicy":
		delete(b.lockout, bucket)
	case bucketOnly && c.Action == "CreateBucket":
		if _, ok := b.owner[bucket]; !ok {
			b.owner[bucket] = c.Caller.Account
		}
	case bucketOnly && c.Action == "DeleteBucket":
		delete(b.owner, bucket)
		delete(b.lockout, bucket)
	}
}

// deniesEveryone reports whether a policy has an unconditioned Deny
// statement whose principal is every principal ("*" or {"AWS": "*"}).
func deniesEveryone(doc []byte) bool {
	var p struct{ Statement json.RawMessage }
	if json.Unmarshal(doc, &p) != nil {
		return false
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(p.Statement, &list) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(p.Statement, &one) != nil {
			return false
		}
		list = []map[string]json.RawMessage{one}
	}
	for _, st := range list {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		// A conditioned Deny (e.g. DenyInsecureTransport) denies only some
		// requests: not modelled as a lock-out.
		if _, conditioned := st["Condition"]; effect == "Deny" && everyPrincipal(st["Principal"]) && !conditioned {
			return true
		}
	}
	return false
}

func everyPrincipal(raw json.RawMessage) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var byType map[string]json.RawMessage
	if json.Unmarshal(raw, &byType) != nil {
		return false
	}
	if json.Unmarshal(byType["AWS"], &star) == nil {
		return star == "*"
	}
	var list []string
	_ = json.Unmarshal(byType["AWS"], &list)
	for _, p := range list {
		if p == "*" {
			return true
		}
	}
	return false
}
