package posture

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/orgscan"
)

func TestOptionsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	base := map[string]string{EnvBucket: "b", EnvQueueURL: "https://sqs/q"}
	o, err := OptionsFromEnv(env(base))
	if err != nil || o.Concurrency != orgscan.DefaultConcurrency || o.RoleName != orgscan.DefaultRoleName || o.Heartbeat {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	o, err = OptionsFromEnv(env(with(EnvHeartbeat, "true")))
	if err != nil || !o.Heartbeat {
		t.Errorf("heartbeat: %+v %v", o, err)
	}
	o, err = OptionsFromEnv(env(with(EnvSecurityHub, "1")))
	if err != nil || !o.SecurityHub || o.ImportRoleName != "rootguard-posture-import" {
		t.Errorf("security hub: %+v %v", o, err)
	}
	sh := with(EnvSecurityHub, "1")
	sh[EnvFunctionName] = "acme-posture"
	if o, err = OptionsFromEnv(env(sh)); err != nil || o.ImportRoleName != "acme-posture-import" {
		t.Errorf("security hub of the acme pipeline: import role %q, %v", o.ImportRoleName, err)
	}
	for _, bad := range []map[string]string{
		with(EnvSecurityHub, "yes please"),
		{EnvBucket: "b"}, {EnvQueueURL: "q"},
		with(EnvHeartbeat, "sometimes"), with(EnvConcurrency, "0"), with(EnvAccountTimeout, "-1s"),
	} {
		if _, err := OptionsFromEnv(env(bad)); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

// The function at its JSON boundary: EventBridge Scheduler's invocation
// in, a summary out and in the log, the digest on the queue.
func TestFunctionInvoke(t *testing.T) {
	h := localHub(t, 3)
	var logs bytes.Buffer
	f := &Function{AWS: h.cfg, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Options: Options{Bucket: h.bucket, QueueURL: h.queueURL, Concurrency: 2, AccountTimeout: time.Minute, Now: h.clock}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := f.Invoke(ctx, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accounts != 4 || !sum.Posted || !strings.HasPrefix(sum.Report, "s3://"+h.bucket+"/posture/runs/") {
		t.Errorf("summary = %+v", sum)
	}
	if !strings.Contains(logs.String(), `"msg":"posture run done"`) || !strings.Contains(logs.String(), `"run_id":"`+sum.RunID+`"`) {
		t.Errorf("log = %s", logs.String())
	}
	if msgs := h.queued(t); len(msgs) != 1 {
		t.Errorf("queued %d digests", len(msgs))
	}
	// Without a readable organization the invocation fails, for Scheduler to retry.
	f.Options.Bucket = "no-such-bucket-for-posture"
	if _, err := f.Invoke(ctx, nil); err == nil {
		t.Error("a run that cannot be stored succeeded")
	}
}
