package fix

import (
	"context"
	"time"

	"github.com/rootguard/rootguard/internal/awserr"
)

// Result says how a step ended.
type Result string

// Step results.
const (
	Done        Result = "done"
	AlreadyGone Result = "already-gone" // someone else removed it mid-run: not an error
	Failed      Result = "failed"
	Skipped     Result = "skipped" // not attempted, because an earlier step it depends on failed
	Saved       Result = "saved"   // a record line only: the document a step removes, saved before it runs
)

// Outcome is one step's result.
type Outcome struct {
	Step   Step
	Result Result
	Err    error  // for Failed
	Reason string // for Failed and Skipped: what the user should know
	// Document, on a Saved record, is what the step removes.
	Document string
}

// Apply runs the plan's steps in order, records each one, and keeps going
// past a failed step: the steps are independent, except that a virtual MFA
// device is deleted only once deactivated, and the key signing the run is
// deleted only when everything before it worked (otherwise the user would
// be left unable to retry from this session).
func Apply(ctx context.Context, p *Plan, rec *Recorder, now func() time.Time) []Outcome {
	out := make([]Outcome, 0, len(p.Steps))
	failed := false
	deactivated := map[string]bool{}
	for _, s := range p.Steps {
		o := Outcome{Step: s}
		switch {
		case ctx.Err() != nil:
			o.Result, o.Reason = Skipped, "interrupted before this step"
		case s.Action == "iam:DeleteVirtualMFADevice" && !deactivated[s.Target]:
			o.Result, o.Reason = Skipped, "the device could not be deactivated"
		case s.EndsSession && failed:
			o.Result, o.Reason = Skipped, "earlier steps failed; the key this run uses is kept so you can retry"
		default:
			o = runStep(ctx, s)
		}
		if o.Result == Failed || (o.Result == Skipped && s.EndsSession) {
			failed = true
		}
		if s.Action == "iam:DeactivateMFADevice" && (o.Result == Done || o.Result == AlreadyGone) {
			deactivated[s.Target] = true
		}
		rec.Record(now(), o)
		out = append(out, o)
	}
	return out
}

func runStep(ctx context.Context, s Step) Outcome {
	err := s.run(ctx)
	if err == nil {
		return Outcome{Step: s, Result: Done}
	}
	classified := awserr.Classify(err)
	if classified.Code == "NoSuchEntity" {
		return Outcome{Step: s, Result: AlreadyGone}
	}
	e := *classified
	e.Caller = s.principal
	o := Outcome{Step: s, Result: Failed, Err: err, Reason: e.Error()}
	switch {
	case e.AccessDenied():
		o.Reason = "permission: " + e.Error()
	case e.Code == "Throttling" || e.Code == "ThrottlingException":
		o.Reason = "throttled after retries: " + e.Error()
	case e.Code != "":
		o.Reason = "AWS refused: " + e.Error()
	}
	return o
}
