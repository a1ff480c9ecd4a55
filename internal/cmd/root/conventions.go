package root

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdutil"
)

// applyConventions makes every command of the tree behave alike:
//
//   - a command group (root, alert) run without a subcommand prints its
//     help; with an unknown one it is a usage error (exit 2) that suggests
//     the nearest command — not cobra's default of printing help and
//     exiting 0;
//   - a flag named --arch completes to the Lambda architectures.
func applyConventions(cmd *cobra.Command) {
	if cmd.HasSubCommands() && !cmd.Runnable() {
		cmd.SuggestionsMinimumDistance = 2
		cmd.Args = unknownCommand
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	if cmd.Flags().Lookup("arch") != nil {
		_ = cmd.RegisterFlagCompletionFunc("arch", cobra.FixedCompletions(lambdaArchitectures, cobra.ShellCompDirectiveNoFileComp))
	}
	for _, sub := range cmd.Commands() {
		applyConventions(sub)
	}
}

// lambdaArchitectures are the values of --arch (Lambda's arm64 and
// x86_64).
var lambdaArchitectures = []string{"arm64", "x86_64"}

func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := "unknown command " + `"` + args[0] + `" for "` + cmd.CommandPath() + `"`
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += " (did you mean " + strings.Join(s, " or ") + "?)"
	}
	return cmdutil.Usagef("%s", msg)
}

// completeProfiles completes --profile with the profiles of the aws CLI's
// configuration files: `[default]` and `[profile NAME]` in the config file
// (AWS_CONFIG_FILE, default ~/.aws/config) and `[NAME]` in the credentials
// file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials).
func completeProfiles(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	home, _ := os.UserHomeDir()
	configFile := envOr("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	credsFile := envOr("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	var names []string
	for _, f := range []struct {
		path   string
		config bool
	}{{configFile, true}, {credsFile, false}} {
		r, err := os.Open(f.path)
		if err != nil {
			continue
		}
		names = append(names, profileNames(r, f.config)...)
		r.Close()
	}
	slices.Sort(names)
	names = slices.Compact(names)
	out := names[:0]
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// profileNames reads the section names of an aws CLI configuration file
// that are profiles: in the config file `[default]` and `[profile NAME]`
// (not `[sso-session …]` or `[services …]`), in the credentials file every
// `[NAME]`. Comments (# or ;) and other lines are ignored.
func profileNames(r io.Reader, config bool) []string {
	var names []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "[") {
			continue
		}
		end := strings.IndexByte(line, ']')
		if end < 0 {
			continue
		}
		section := strings.Join(strings.Fields(line[1:end]), " ")
		switch {
		case !config:
			if section != "" && !strings.ContainsAny(section, " \t") {
				names = append(names, section)
			}
		case section == "default":
			names = append(names, section)
		case strings.HasPrefix(section, "profile "):
			if name := strings.TrimPrefix(section, "profile "); name != "" && !strings.Contains(name, " ") {
				names = append(names, name)
			}
		}
	}
	return names
}
