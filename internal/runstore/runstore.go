// Package runstore keeps the scheduled auditor's runs in the hub, as S3
// objects under a prefix of the pipeline's bucket:
//
//	<prefix>runs/<run-id>.json   one rootguard.posture/v1 document per run, written once
//	<prefix>latest.json          which run was published last (the baseline of the next drift)
//
// Why S3 and not DynamoDB: a run of 10,000 accounts with its evidence is
// megabytes, far past DynamoDB's 400 KB item limit, so it would need S3
// anyway; the pipeline already owns a private, versioned, encrypted bucket;
// and S3's conditional writes give the two guarantees overlapping runs need
// without a second store:
//
//   - a run object is written with If-None-Match: * — it is never
//     overwritten, so two runs never tear or lose each other's result;
//   - the latest pointer is replaced with If-Match: <its ETag>
//     (compare-and-swap), so of two runs racing to publish, one wins and the
//     other re-reads and either publishes after it or, if it is older, is
//     kept but not published (its drift would be stale).
//
// S3 answers a failed condition with 412 PreconditionFailed and a write
// racing another conditional write on the same key with 409
// ConditionalRequestConflict, to be retried; If-Match on a key that does not
// exist is 404 NoSuchKey ("How to prevent object overwrites with conditional
// writes", Amazon S3 User Guide, conditional-writes.html; PutObject API
// reference, IfMatch / IfNoneMatch).
package runstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/drift"
)

type s3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ s3API = (*s3.Client)(nil)

// DefaultPrefix is where the auditor's objects live in the pipeline's bucket.
const DefaultPrefix = "posture/"

// maxPublishAttempts bounds the compare-and-swap loop on the latest
// pointer: each retry means another run published in between.
const maxPublishAttempts = 8

// ErrSuperseded is returned by Publish when a run that started later has
// already been published: this run is stored, but its drift is not news.
var ErrSuperseded = errors.New("a newer run was published first")

// Store reads and writes runs in one bucket.
type Store struct {
	S3     s3API
	Bucket string
	Prefix string // DefaultPrefix when empty
}

// Pointer is the latest.json document.
type Pointer struct {
	SchemaVersion string    `json:"schema_version"`
	RunID         string    `json:"run_id"`
	Key           string    `json:"key"`
	StartedAt     time.Time `json:"started_at"`
}

const pointerSchema = "rootguard.posture-latest/v1"

func (s *Store) prefix() string {
	if s.Prefix == "" {
		return DefaultPrefix
	}
	return s.Prefix
}

// RunKey is the object key of a run.
func (s *Store) RunKey(runID string) string { return s.prefix() + "runs/" + runID + ".json" }

// LatestKey is the object key of the latest pointer.
func (s *Store) LatestKey() string { return s.prefix() + "latest.json" }

// Put stores a run once. A run ID already stored is an error: run IDs are
// unique, so that is a bug or an attack, never something to overwrite.
func (s *Store) Put(ctx context.Context, r *drift.Run) (string, error) {
	body, err := r.Marshal()
	if err != nil {
		return "", err
	}
	key := s.RunKey(r.ID)
	_, err = s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"), IfNoneMatch: aws.String("*"),
	})
	if err != nil {
		return "", fmt.Errorf("store run %s in s3://%s/%s: %w", r.ID, s.Bucket, key, awserr.Classify(err))
	}
	return key, nil
}

// Get reads a stored run.
func (s *Store) Get(ctx context.Context, key string) (*drift.Run, error) {
	body, _, err := s.read(ctx, key)
	if err != nil {
		return nil, err
	}
	r, err := drift.ParseRun(body)
	if err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", s.Bucket, key, err)
	}
	return r, nil
}

// Latest reads the last published run; nil (and no error) when none was.
func (s *Store) Latest(ctx context.Context) (*drift.Run, error) {
	p, _, err := s.pointer(ctx)
	if err != nil || p == nil {
		return nil, err
	}
	return s.Get(ctx, p.Key)
}

// LatestPointer reads latest.json only — which run was published last and
// when it started — without the run itself (megabytes at 10,000 accounts);
// nil when none was published.
func (s *Store) LatestPointer(ctx context.Context) (*Pointer, error) {
	p, _, err := s.pointer(ctx)
	return p, err
}

// Publish makes r, already stored with Put, the latest run and returns the
// run it replaces (nil for the first), which is what r's drift is computed
// against: each change between two published runs is published once. When
// a run that started after r was published first, r stays stored and
// Publish returns ErrSuperseded.
func (s *Store) Publish(ctx context.Context, r *drift.Run) (*drift.Run, error) {
	return s.PublishAfter(ctx, r, nil)
}

// PublishAfter is Publish for a caller that read the latest run earlier
// (Latest, while its own run was being audited: at 10,000 accounts the
// document is ~30 MB to fetch and decode): while latest.json still names
// read, read is the previous run and is not fetched again; otherwise, or
// when read is nil, the run latest.json names is. Runs are written once,
// so a run ID always names the same document.
func (s *Store) PublishAfter(ctx context.Context, r, read *drift.Run) (*drift.Run, error) {
	next, err := json.Marshal(Pointer{SchemaVersion: pointerSchema, RunID: r.ID, Key: s.RunKey(r.ID), StartedAt: r.StartedAt})
	if err != nil {
		return nil, err
	}
	key := s.LatestKey()
	for range maxPublishAttempts {
		cur, etag, err := s.pointer(ctx)
		if err != nil {
			return nil, err
		}
		var prev *drift.Run
		in := &s3.PutObjectInput{Bucket: &s.Bucket, Key: &key, Body: bytes.NewReader(next), ContentType: aws.String("application/json")}
		if cur == nil {
			in.IfNoneMatch = aws.String("*")
		} else {
			if cur.RunID == r.ID {
				return nil, fmt.Errorf("run %s is already published", r.ID)
			}
			if cur.StartedAt.After(r.StartedAt) || (cur.StartedAt.Equal(r.StartedAt) && cur.RunID > r.ID) {
				return nil, fmt.Errorf("publish run %s: %w (%s)", r.ID, ErrSuperseded, cur.RunID)
			}
			if read != nil && read.ID == cur.RunID {
				prev = read
			} else if prev, err = s.Get(ctx, cur.Key); err != nil {
				return nil, fmt.Errorf("read the last published run: %w", err)
			}
			in.IfMatch = aws.String(etag)
		}
		_, err = s.S3.PutObject(ctx, in)
		if err == nil {
			return prev, nil
		}
		switch awserr.Code(err) {
		case "PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey":
			continue // another run published (or is publishing): read again
		}
		return nil, fmt.Errorf("publish run %s to s3://%s/%s: %w", r.ID, s.Bucket, key, awserr.Classify(err))
	}
	return nil, fmt.Errorf("publish run %s: the latest pointer changed %d times in a row; try again", r.ID, maxPublishAttempts)
}

// ErrNotRevertible is returned by Revert when r is no longer the latest
// run: a later run has already been compared with it.
var ErrNotRevertible = errors.New("a later run has been published since")

// Revert makes prev the latest run again, if r (published with prev as its
// baseline) still is: for a run whose digest could not be handed on, so
// that the next run reports the same changes again instead of losing them.
// The swap is conditional on the pointer still naming r.
func (s *Store) Revert(ctx context.Context, r, prev *drift.Run) error {
	cur, etag, err := s.pointer(ctx)
	if err != nil {
		return err
	}
	if cur == nil || cur.RunID != r.ID {
		return fmt.Errorf("revert run %s: %w", r.ID, ErrNotRevertible)
	}
	body, err := json.Marshal(Pointer{SchemaVersion: pointerSchema, RunID: prev.ID, Key: s.RunKey(prev.ID), StartedAt: prev.StartedAt})
	if err != nil {
		return err
	}
	key := s.LatestKey()
	_, err = s.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"), IfMatch: aws.String(etag)})
	switch awserr.Code(err) {
	case "":
		return nil
	case "PreconditionFailed", "ConditionalRequestConflict":
		return fmt.Errorf("revert run %s: %w", r.ID, ErrNotRevertible)
	}
	return fmt.Errorf("revert run %s: %w", r.ID, awserr.Classify(err))
}

func (s *Store) pointer(ctx context.Context) (*Pointer, string, error) {
	body, etag, err := s.read(ctx, s.LatestKey())
	if errors.Is(err, errNoObject) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	p, err := ParsePointer(body)
	if err != nil {
		return nil, "", fmt.Errorf("s3://%s/%s: %w", s.Bucket, s.LatestKey(), err)
	}
	return p, etag, nil
}

// ParsePointer decodes and validates latest.json.
func ParsePointer(data []byte) (*Pointer, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Pointer
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("decode latest pointer: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode latest pointer: data after the document")
	}
	if p.SchemaVersion != pointerSchema || p.RunID == "" || p.Key == "" || p.StartedAt.IsZero() {
		return nil, fmt.Errorf("latest pointer: want schema %s with run_id, key and started_at", pointerSchema)
	}
	return &p, nil
}

var errNoObject = errors.New("no such object")

func (s *Store) read(ctx context.Context, key string) ([]byte, string, error) {
	// Objects written without a checksum (as PutObject here writes them)
	// come back without one: the SDK's notice that it skipped validation
	// would only clutter stderr.
	out, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key},
		func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true })
	if err != nil {
		var nsk *s3types.NoSuchKey
		if errors.As(err, &nsk) || awserr.Code(err) == "NoSuchKey" {
			return nil, "", errNoObject
		}
		return nil, "", fmt.Errorf("read s3://%s/%s: %w", s.Bucket, key, awserr.Classify(err))
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, drift.MaxDocumentBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read s3://%s/%s: %w", s.Bucket, key, err)
	}
	return body, aws.ToString(out.ETag), nil
}
