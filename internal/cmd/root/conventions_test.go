package root

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
	"github.com/rootguard/rootguard/internal/report"
)

func testFactory() (*cmdutil.Factory, *iostreams.IOStreams) {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Prompter: prompt.NewTerminal(ios), AWSConfig: awsconfig.Load, Now: time.Now}, ios
}

// execute runs rootguard args in process and returns its exit code,
// stdout and stderr.
func execute(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Prompter: prompt.NewTerminal(ios), AWSConfig: awsconfig.Load, Now: time.Now}
	code := Execute(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walk(c, fn)
	}
}

// TestEveryCommandHasExamples: `--help` of every command shows how to run
// it.
func TestEveryCommandHasExamples(t *testing.T) {
	f, _ := testFactory()
	n := 0
	walk(NewCmdRoot(f), func(c *cobra.Command) {
		if c.HasSubCommands() || c.Hidden || c.Name() == "help" || (c.HasParent() && c.Parent().Name() == "completion") || c.Name() == "completion" {
			return
		}
		n++
		if !strings.Contains(c.Example, "  "+c.CommandPath()) {
			t.Errorf("%s has no Example in --help", c.CommandPath())
		}
	})
	if n < 12 {
		t.Errorf("only %d commands walked", n)
	}
}

// TestUsageErrorsPointAtTheSubcommandsHelp: a usage mistake exits 2 and
// says where the usage of the command that was run is.
func TestUsageErrorsPointAtTheSubcommandsHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		help string
		msg  string
	}{
		{[]string{"audit", "--bogus"}, "Run 'rootguard audit --help' for usage.", "unknown flag: --bogus"},
		{[]string{"audit", "--output", "xml"}, "Run 'rootguard audit --help' for usage.", "--output must be one of"},
		{[]string{"alert", "template", "--org"}, "Run 'rootguard alert template --help' for usage.", "unknown flag: --org"},
		{[]string{"alert", "stauts"}, "Run 'rootguard alert --help' for usage.", `unknown command "stauts" for "rootguard alert" (did you mean status?)`},
		{[]string{"audt"}, "Run 'rootguard --help' for usage.", "(did you mean audit?)"},
	} {
		code, out, errOut := execute(t, tc.args...)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, tc.help) || !strings.Contains(errOut, tc.msg) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 with %q and %q", tc.args, code, out, errOut, tc.msg, tc.help)
		}
	}
	if code, out, _ := execute(t, "alert"); code != 0 || !strings.Contains(out, "Available Commands") {
		t.Errorf("`rootguard alert` alone: exit %d, want its help:\n%s", code, out)
	}
}

// TestCompletion: --output, --arch and --profile complete to their values;
// profiles come from the aws CLI's files.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(config, []byte("[default]\nregion = eu-west-1\n[profile prod-admin]\nrole_arn = arn:aws:iam::111122223333:role/a\n[sso-session corp]\nsso_region = eu-west-1\n# [profile commented]\n[profile  staging ]\n"), 0o600)
	os.WriteFile(creds, []byte("[default]\naws_access_key_id = x\n[ci]\naws_access_key_id = y\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)

	complete := func(args ...string) []string {
		code, out, errOut := execute(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(l, ":") {
				got = append(got, strings.SplitN(l, "\t", 2)[0])
			}
		}
		return got
	}
	if got := complete("audit", "--output", ""); !slices.Equal(got, report.Formats) {
		t.Errorf("audit --output completes %v, want %v", got, report.Formats)
	}
	if got := complete("alert", "status", "--output", ""); !slices.Equal(got, []string{"text", "json"}) {
		t.Errorf("alert status --output completes %v", got)
	}
	for _, path := range [][]string{{"alert", "deploy"}, {"alert", "template"}} {
		if got := complete(append(path, "--arch", "")...); !slices.Equal(got, []string{"arm64", "x86_64"}) {
			t.Errorf("%v --arch completes %v", path, got)
		}
	}
	if got := complete("audit", "--profile", ""); !slices.Equal(got, []string{"ci", "default", "prod-admin", "staging"}) {
		t.Errorf("--profile completes %v", got)
	}
	if got := complete("audit", "--profile", "pr"); !slices.Equal(got, []string{"prod-admin"}) {
		t.Errorf("--profile pr completes %v", got)
	}
}

// TestREADMECommandsExist: every command and flag the README's command
// table names exists (the README once documented `alert template --org`).
func TestREADMECommandsExist(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := testFactory()
	root := NewCmdRoot(f)
	cell := regexp.MustCompile("^\\| `rootguard ([^`]*)`")
	flag := regexp.MustCompile(`--[a-z][a-z-]*`)
	group := regexp.MustCompile(`\[[^\]]*\]`)
	rows := 0
	for _, line := range strings.Split(string(readme), "\n") {
		m := cell.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows++
		usage := strings.ReplaceAll(m[1], `\|`, "|")
		// "alert deploy|remove [--org]": the words before the first flag or
		// bracket name the command; a|b|c are alternatives.
		var path []string
		for _, w := range strings.Fields(usage) {
			if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") {
				break
			}
			path = append(path, w)
		}
		var cmds []*cobra.Command
		for _, alt := range strings.Split(path[len(path)-1], "|") {
			args := append(slices.Clone(path[:len(path)-1]), alt)
			c, rest, err := root.Find(args)
			if err != nil || len(rest) != 0 || c == root {
				t.Errorf("README: `rootguard %s`: no such command", strings.Join(args, " "))
				continue
			}
			cmds = append(cmds, c)
		}
		has := func(c *cobra.Command, name string) bool {
			return c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil
		}
		// A flag of a choice ("[--bucket B | --queue URL]") belongs to one
		// of the commands the row names; any other flag to every one.
		choice := map[string]bool{}
		for _, g := range group.FindAllString(usage, -1) {
			if strings.Contains(g, "|") {
				for _, fl := range flag.FindAllString(g, -1) {
					choice[fl] = true
				}
			}
		}
		for _, fl := range flag.FindAllString(usage, -1) {
			name := strings.TrimPrefix(fl, "--")
			n := 0
			for _, c := range cmds {
				if has(c, name) {
					n++
				} else if !choice[fl] {
					t.Errorf("README: `%s %s`: unknown flag", c.CommandPath(), fl)
				}
			}
			if n == 0 && len(cmds) > 0 {
				t.Errorf("README: %s: no command of the row has it", fl)
			}
		}
	}
	if rows < 8 {
		t.Errorf("read %d command rows from the README", rows)
	}
}

func FuzzProfileNames(f *testing.F) {
	f.Add("[default]\n[profile a]\n[sso-session s]\n", true)
	f.Add("[ci]\n[x y]\n", false)
	f.Add("[profile ]\n[", true)
	f.Fuzz(func(t *testing.T, data string, config bool) {
		for _, n := range profileNames(strings.NewReader(data), config) {
			if n == "" || strings.ContainsAny(n, " \t\n]") {
				t.Errorf("profile name %q", n)
			}
		}
	})
}
