package redrive

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/redrive"
	"github.com/rootguard/rootguard/internal/stack"
)

// fakeEngine plans from fields and, when run, reports each task state in
// turn; runs counts the moves it started.
type fakeEngine struct {
	plan  redrive.Plan
	steps []redrive.Task
	runs  int
}

func (f *fakeEngine) Read(_ context.Context, names stack.Names) (redrive.Plan, error) {
	p := f.plan
	p.From, p.To = redrive.Queue{Name: names.DeadLetterQueue()}, redrive.Queue{Name: names.Queue()}
	return p, nil
}

func (f *fakeEngine) Run(_ context.Context, _ redrive.Plan, _ time.Duration, progress func(redrive.Task)) (redrive.Task, error) {
	f.runs++
	for _, t := range f.steps {
		progress(t)
	}
	return f.steps[len(f.steps)-1], nil
}

func TestRunRedrive(t *testing.T) {
	names := stack.Names{Prefix: "rg"}
	moving := []redrive.Task{{Status: redrive.StatusRunning, ToMove: 2}, {Status: redrive.StatusRunning, Moved: 1, ToMove: 2}, {Status: redrive.StatusCompleted, Moved: 2, ToMove: 2}}
	tests := []struct {
		name     string
		plan     redrive.Plan
		approve  bool
		wantOut  string
		wantErr  string // in stderr
		wantRuns int
	}{
		{"plan only", redrive.Plan{Messages: 2}, false, "(plan) would move 2 messages from rg-alerts-dlq to rg-alerts\n", "No changes were applied", 0},
		{"approved", redrive.Plan{Messages: 2}, true, "moved 2 messages from rg-alerts-dlq to rg-alerts\n", "COMPLETED: 2 of 2 moved", 1},
		{"empty", redrive.Plan{}, true, "rg-alerts-dlq is empty\n", "Nothing to redrive", 0},
		{"already running, not approved", redrive.Plan{Messages: 1, Running: &redrive.Task{Status: redrive.StatusRunning, Moved: 1, ToMove: 2}}, false,
			"a move from rg-alerts-dlq to rg-alerts is already running: 1 of 2 moved\n", "No changes were applied", 0},
		{"already running, followed", redrive.Plan{Messages: 1, Running: &redrive.Task{Status: redrive.StatusRunning, Moved: 1, ToMove: 2}}, true,
			"a move from rg-alerts-dlq to rg-alerts is already running: 1 of 2 moved\nmoved 2 messages from rg-alerts-dlq to rg-alerts\n", "RUNNING: 1 of 2 moved", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &fakeEngine{plan: tt.plan, steps: moving}
			ios, _, out, errOut := iostreams.Test()
			opts := &Options{IO: ios, Engine: func(context.Context) (Engine, error) { return e, nil }, Prefix: names.Prefix, Approve: tt.approve}
			if err := runRedrive(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.wantOut || !strings.Contains(errOut.String(), tt.wantErr) || e.runs != tt.wantRuns {
				t.Errorf("stdout %q, stderr %q, %d runs; want stdout %q, stderr with %q, %d runs", out.String(), errOut.String(), e.runs, tt.wantOut, tt.wantErr, tt.wantRuns)
			}
		})
	}
}

func TestRunRedriveIdentityFailure(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &Options{IO: ios, Engine: func(context.Context) (Engine, error) { return nil, errors.New("identify caller: ExpiredToken") }}
	if err := runRedrive(context.Background(), opts); err == nil || out.Len() != 0 {
		t.Fatalf("err = %v, stdout %q", err, out.String())
	}
}
