package fix

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// Record is one line of the change record: evidence for auditors of what
// rootguard changed, who asked, when, where, and how it ended.
type Record struct {
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"` // caller ARN that made the change
	Account string    `json:"account_id"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Result  Result    `json:"result"`
	Error   string    `json:"error,omitempty"`
	// Document is what a change removes — a bucket or queue policy — saved
	// in full on a "saved" line before the change is made, so it can be
	// put back.
	Document string `json:"document,omitempty"`
}

// Recorder appends records to a JSON-lines file. A nil Recorder records
// nothing. Each record is one write to a file opened O_APPEND and synced, so
// earlier lines are never rewritten and a crash loses at most the line
// being written.
type Recorder struct {
	mu    sync.Mutex
	f     *os.File
	actor string
	err   error
}

// OpenRecorder opens (creating if needed) the record file at path.
func OpenRecorder(path, actor string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open change record: %w", err)
	}
	return &Recorder{f: f, actor: actor}, nil
}

// Record appends one outcome.
func (r *Recorder) Record(at time.Time, o Outcome) {
	if r == nil {
		return
	}
	_ = r.write(at, o)
}

// Save appends the document a step is about to remove, before the step
// runs, and reports whether it is on disk: a caller that must not remove
// what it could not save stops on an error.
func (r *Recorder) Save(at time.Time, s Step, document string) error {
	if r == nil {
		return nil
	}
	return r.write(at, Outcome{Step: s, Result: Saved, Document: document})
}

func (r *Recorder) write(at time.Time, o Outcome) error {
	rec := Record{Time: at.UTC(), Actor: r.actor, Account: o.Step.Account, Action: o.Step.Action, Target: o.Step.Target, Result: o.Result, Document: o.Document}
	if o.Result == Failed || o.Result == Skipped {
		rec.Error = o.Reason
	}
	line, err := json.Marshal(rec)
	if err != nil {
		r.setErr(err)
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.f.Write(append(line, '\n')); err != nil {
		r.err = fmt.Errorf("write change record: %w", err)
		return r.err
	}
	if err := r.f.Sync(); err != nil {
		r.err = fmt.Errorf("sync change record: %w", err)
		return r.err
	}
	return nil
}

func (r *Recorder) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// Close closes the file and reports the first write error, if any.
func (r *Recorder) Close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.f.Close(); err != nil && r.err == nil {
		r.err = err
	}
	return r.err
}
