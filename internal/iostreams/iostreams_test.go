package iostreams

import "testing"

func TestColorOffFollowsNoColorOrg(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"NO_COLOR": ""}, false}, // set but empty: colour stays on
		{map[string]string{"NO_COLOR": "1"}, true},
		{map[string]string{"NO_COLOR": "false"}, true}, // any non-empty value
		{map[string]string{"TERM": "dumb"}, true},
		{map[string]string{"TERM": "xterm-256color"}, false},
	} {
		if got := colorOff(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: colour off = %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestProgressRule(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		stdoutTTY, stdoutFile   bool
		stderrTTY, wantProgress bool
	}{
		{"both terminals", true, false, true, true},
		{"stdout piped into jq in the same terminal", false, false, true, false},
		{"stdout redirected to a file", false, true, true, true},
		{"stderr not a terminal", true, false, false, false},
		{"nothing is a terminal (CI)", false, false, false, false},
	} {
		ios, _, _, _ := Test()
		ios.SetTTY(false, tc.stdoutTTY, tc.stderrTTY)
		ios.SetStdoutFile(tc.stdoutFile)
		if got := ios.ProgressEnabled(); got != tc.wantProgress {
			t.Errorf("%s: progress %v, want %v", tc.name, got, tc.wantProgress)
		}
	}
}
