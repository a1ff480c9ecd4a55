package root

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// applyConventions makes every command of the tree behave alike: a flag
// named --arch completes to the Lambda architectures. (A command group's
// unknown subcommand is cmdutil.NoSubcommand's usage error.)
func applyConventions(cmd *cobra.Command) {
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
