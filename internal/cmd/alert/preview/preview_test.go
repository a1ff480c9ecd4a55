package preview

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/slackmsg"
)

const fixtures = "../../../alertevent/testdata"

func TestRunPreviewPrintsTheFunctionsBody(t *testing.T) {
	path := filepath.Join(fixtures, "console-login-success-no-mfa.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{alertevent.EnvAccountAliases: "111122223333=prod"}
	want, _ := slackmsg.Body(slackmsg.Event(alertevent.Parse(raw, alertevent.Config{
		ResourcePrefix: "rootguard", AccountAliases: map[string]string{"111122223333": "prod"}})))

	for _, tt := range []struct{ name, file string }{{"file", path}, {"stdin", "-"}} {
		t.Run(tt.name, func(t *testing.T) {
			ios, in, out, errOut := iostreams.Test()
			in.Write(raw)
			err := runPreview(&PreviewOptions{IO: ios, EventFile: tt.file, Getenv: func(k string) string { return env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want)+"\n" {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
			}
			if !strings.Contains(out.String(), "111122223333 (prod)") || errOut.Len() != 0 {
				t.Errorf("alias missing or stderr written: %q", errOut)
			}
		})
	}
}

func TestRunPreviewRejectsNonJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.txt")
	os.WriteFile(path, []byte("root signed in yesterday\n"), 0o644)
	ios, _, out, _ := iostreams.Test()
	err := runPreview(&PreviewOptions{IO: ios, EventFile: path, Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "notes.txt is not JSON") {
		t.Errorf("err = %v", err)
	}
	if cmdutil.ExitCode(err) == 0 || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q", cmdutil.ExitCode(err), out)
	}
}

func TestRunPreviewMissingFile(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := runPreview(&PreviewOptions{IO: ios, EventFile: filepath.Join(t.TempDir(), "nope.json"), Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "read event") {
		t.Errorf("err = %v", err)
	}
}

func TestNewCmdPreviewFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	var got *PreviewOptions
	cmd := NewCmdPreview(f, func(o *PreviewOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--event", "-"})
	if err := cmd.Execute(); err != nil || got == nil || got.EventFile != "-" {
		t.Fatalf("err %v, opts %+v", err, got)
	}

	cmd = NewCmdPreview(f, func(*PreviewOptions) error { t.Error("ran without --event"); return nil })
	cmd.SetArgs(nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("no --event: err %v, exit %d", err, cmdutil.ExitCode(err))
	}
}
