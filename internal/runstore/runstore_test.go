package runstore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/drift"
)

func localStore(t *testing.T) (*Store, *s3.Client) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "security").AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
	client := s3.NewFromConfig(emu.Config(creds), func(o *s3.Options) { o.UsePathStyle = true })
	bucket := fmt.Sprintf("rootguard-posture-test-%d", time.Now().UnixNano())
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	return &Store{S3: client, Bucket: bucket}, client
}

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func newRun(i int, status audit.Status) *drift.Run {
	return &drift.Run{
		SchemaVersion: drift.SchemaVersion, ID: fmt.Sprintf("run-%02d", i), StartedAt: t0.Add(time.Duration(i) * time.Minute),
		Accounts: []audit.AccountResult{{AccountID: "222222222222", Checks: []audit.CheckResult{{ID: audit.CheckRootMFA, Status: status}}}},
	}
}

// The local S3 honours conditional writes as AWS documents them: a second
// If-None-Match: * write of a key is 412, If-Match with a stale ETag is 412,
// If-Match on a missing key is 404 NoSuchKey.
func TestLocalS3HonoursConditionalWrites(t *testing.T) {
	store, client := localStore(t)
	ctx := t.Context()
	put := func(key, body string, mod func(*s3.PutObjectInput)) (*s3.PutObjectOutput, error) {
		in := &s3.PutObjectInput{Bucket: &store.Bucket, Key: aws.String(key), Body: bytes.NewReader([]byte(body))}
		mod(in)
		return client.PutObject(ctx, in)
	}
	first, err := put("k", "1", func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put("k", "2", func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") }); awserr.Code(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match: * on an existing key: %v, want PreconditionFailed", err)
	}
	second, err := put("k", "3", func(in *s3.PutObjectInput) { in.IfMatch = first.ETag })
	if err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	if _, err := put("k", "4", func(in *s3.PutObjectInput) { in.IfMatch = first.ETag }); awserr.Code(err) != "PreconditionFailed" {
		t.Errorf("If-Match with a stale ETag: %v, want PreconditionFailed", err)
	}
	if _, err := put("missing", "5", func(in *s3.PutObjectInput) { in.IfMatch = second.ETag }); awserr.Code(err) != "NoSuchKey" {
		t.Errorf("If-Match on a missing key: %v, want NoSuchKey", err)
	}
}

func TestPutOnceGetPublish(t *testing.T) {
	store, _ := localStore(t)
	ctx := t.Context()
	if r, err := store.Latest(ctx); err != nil || r != nil {
		t.Fatalf("empty store: latest %v, %v", r, err)
	}
	r1 := newRun(1, audit.Pass)
	if _, err := store.Put(ctx, r1); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ctx, r1); err == nil {
		t.Fatal("a run ID stored twice was overwritten")
	}
	prev, err := store.Publish(ctx, r1)
	if err != nil || prev != nil {
		t.Fatalf("first publish: prev %v, %v", prev, err)
	}
	r2 := newRun(2, audit.Fail)
	if _, err := store.Put(ctx, r2); err != nil {
		t.Fatal(err)
	}
	prev, err = store.Publish(ctx, r2)
	if err != nil || prev == nil || prev.ID != r1.ID {
		t.Fatalf("second publish: prev %v, %v", prev, err)
	}
	if d := drift.Compute(prev, r2); d.Count(drift.NewFail) != 1 {
		t.Errorf("drift = %+v", d.Changes)
	}
	// A run read before the pointer moved on is not taken for the
	// previous run: r2 is latest now, not r1.
	r3 := newRun(3, audit.Pass)
	if _, err := store.Put(ctx, r3); err != nil {
		t.Fatal(err)
	}
	prev, err = store.PublishAfter(ctx, r3, r1)
	if err != nil || prev == nil || prev.ID != r2.ID {
		t.Fatalf("publish after a stale read: prev %v, %v; want run-02", prev, err)
	}
	// A run read while latest.json still names it is the previous run as
	// read, not fetched again.
	r4 := newRun(4, audit.Pass)
	if _, err := store.Put(ctx, r4); err != nil {
		t.Fatal(err)
	}
	read, err := store.Latest(ctx)
	if err != nil || read.ID != r3.ID {
		t.Fatalf("latest = %v, %v; want run-03", read, err)
	}
	if prev, err = store.PublishAfter(ctx, r4, read); err != nil || prev != read {
		t.Fatalf("publish after reading latest: prev %p (%v), want the run read %p", prev, err, read)
	}
	// An older run arriving late is kept but not published.
	r0 := newRun(0, audit.Error)
	if _, err := store.Put(ctx, r0); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Publish(ctx, r0); !errors.Is(err, ErrSuperseded) {
		t.Errorf("late old run: %v, want ErrSuperseded", err)
	}
	if got, err := store.Latest(ctx); err != nil || got.ID != r4.ID {
		t.Errorf("latest = %v, %v; want run-04", got, err)
	}
	if got, err := store.Get(ctx, store.RunKey(r0.ID)); err != nil || got.Accounts[0].Checks[0].Status != audit.Error {
		t.Errorf("the superseded run was lost: %v %v", got, err)
	}
}

// Overlapping runs lose nothing: every run is stored; the published runs
// form one chain in which each run's baseline is the one published just
// before it (no drift reported twice or skipped); a run older than one
// already published is superseded; the newest run is latest.
func TestOverlappingRunsLoseNothing(t *testing.T) {
	store, _ := localStore(t)
	ctx := t.Context()
	const n = 12
	runs := make([]*drift.Run, n)
	for i := range runs {
		runs[i] = newRun(i, []audit.Status{audit.Pass, audit.Fail}[i%2])
	}
	type outcome struct {
		prev       string
		superseded bool
	}
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range runs {
		wg.Go(func() {
			<-start
			if _, err := store.Put(ctx, r); err != nil {
				t.Errorf("put %s: %v", r.ID, err)
				return
			}
			prev, err := store.Publish(ctx, r)
			switch {
			case errors.Is(err, ErrSuperseded):
				outcomes[i].superseded = true
			case err != nil:
				t.Errorf("publish %s: %v", r.ID, err)
			case prev != nil:
				outcomes[i].prev = prev.ID
			}
		})
	}
	close(start)
	wg.Wait()

	for _, r := range runs {
		if _, err := store.Get(ctx, store.RunKey(r.ID)); err != nil {
			t.Errorf("run %s lost: %v", r.ID, err)
		}
	}
	latest, err := store.Latest(ctx)
	if err != nil || latest.ID != runs[n-1].ID {
		t.Fatalf("latest = %v, %v; want the newest run %s", latest, err, runs[n-1].ID)
	}
	// Walk the chain back from the newest run.
	var chain []string
	for id := latest.ID; id != ""; {
		chain = append(chain, id)
		i := slices.IndexFunc(runs, func(r *drift.Run) bool { return r.ID == id })
		if outcomes[i].superseded {
			t.Fatalf("%s is in the chain but was superseded", id)
		}
		id = outcomes[i].prev
	}
	published := 0
	for i, o := range outcomes {
		if !o.superseded {
			published++
		}
		// A baseline is always older than the run it is compared with.
		if o.prev != "" && o.prev >= runs[i].ID {
			t.Errorf("%s compared with the later %s", runs[i].ID, o.prev)
		}
	}
	if len(chain) != published {
		t.Errorf("chain %v has %d runs, but %d were published: some drift was reported twice or not at all", chain, len(chain), published)
	}
	t.Logf("%d runs: %d published in one chain, %d superseded", n, published, n-published)
}

func FuzzParsePointer(f *testing.F) {
	f.Add([]byte(`{"schema_version":"rootguard.posture-latest/v1","run_id":"r","key":"posture/runs/r.json","started_at":"2026-01-02T03:00:00Z"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePointer(data)
		if err != nil {
			return
		}
		if p.RunID == "" || p.Key == "" || p.StartedAt.IsZero() {
			t.Fatalf("accepted an incomplete pointer: %+v", p)
		}
	})
}
