package test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/stack"
)

type fakeEngine struct {
	res   alertstatus.TestResult
	err   error
	names stack.Names
}

func (f *fakeEngine) SendTest(_ context.Context, names stack.Names, _, _ time.Duration, _ func() time.Time) (alertstatus.TestResult, error) {
	f.names = names
	return f.res, f.err
}

func TestRunTest(t *testing.T) {
	posted := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		engine   *fakeEngine
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"posted", &fakeEngine{res: alertstatus.TestResult{EventID: "e-1", Stage: alertstatus.StagePosted, Line: alertstatus.LogLine{Time: posted}}},
			cmdutil.ExitOK, "event   e-1\nstage   posted\n", "Slack accepted the test alert at 2026-11-28T12:00:00Z"},
		{"slack refused", &fakeEngine{res: alertstatus.TestResult{EventID: "e-2", Stage: alertstatus.StageSlack, Detail: "Slack answered HTTP 404 no_service"}},
			cmdutil.ExitFindings, "event   e-2\nstage   slack\ndetail  Slack answered HTTP 404 no_service\n", "stopped at the slack stage"},
		{"event refused", &fakeEngine{err: errors.New("put the test event: denied")}, cmdutil.ExitError, "", "Sending a test event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			opts := &Options{IO: ios, Engine: func(context.Context) (Engine, error) { return tt.engine, nil }, Now: time.Now,
				Prefix: "rg", Wait: time.Second}
			err := runTest(context.Background(), opts)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Errorf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			if out.String() != tt.wantOut || !strings.Contains(errOut.String(), tt.wantErr) || tt.engine.names.Prefix != "rg" {
				t.Errorf("stdout %q stderr %q prefix %q", out.String(), errOut.String(), tt.engine.names.Prefix)
			}
		})
	}
}
