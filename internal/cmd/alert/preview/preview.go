// Package preview implements `rootguard alert preview`.
package preview

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/slackmsg"
)

// PreviewOptions are the inputs of `rootguard alert preview`.
type PreviewOptions struct {
	IO *iostreams.IOStreams
	// EventFile is a path, or "-" for stdin.
	EventFile string
	// Getenv reads the alert function's variables (ROOTGUARD_RESOURCE_PREFIX,
	// …) so the preview matches a function configured the same way.
	Getenv func(string) string
}

// NewCmdPreview returns `rootguard alert preview`. runF replaces runPreview
// in tests; nil means runPreview.
func NewCmdPreview(f *cmdutil.Factory, runF func(*PreviewOptions) error) *cobra.Command {
	opts := &PreviewOptions{IO: f.IOStreams, Getenv: os.Getenv}
	cmd := &cobra.Command{
		Use:   "preview --event FILE|-",
		Short: "Print the Slack message the alert function would post for an event",
		Long: `Print to stdout exactly the JSON body the alert function would POST to the
Slack webhook for one EventBridge event (a CloudTrail record in its envelope,
as EventBridge delivers it). Use "-" to read the event from stdin.

The function's variables are honoured: ` + alertevent.EnvResourcePrefix + `,
` + alertevent.EnvProtectedResources + ` and ` + alertevent.EnvAccountAliases + `.`,
		Example: `  rootguard alert preview --event signin.json
  aws cloudtrail lookup-events ... | jq '...' | rootguard alert preview --event -`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if opts.EventFile == "" {
				return cmdutil.Usagef("--event is required (a file, or - for stdin)")
			}
			if runF != nil {
				return runF(opts)
			}
			return runPreview(opts)
		},
	}
	cmd.Flags().StringVar(&opts.EventFile, "event", "", "EventBridge event `file` (JSON), or - for stdin")
	return cmd
}

func runPreview(opts *PreviewOptions) error {
	raw, err := readEvent(opts)
	if err != nil {
		return err
	}
	// The function posts an alert even for input that is not JSON; a user
	// previewing such a file has most likely picked the wrong one.
	if !json.Valid(raw) {
		return fmt.Errorf("%s is not JSON: expected an EventBridge event", displayName(opts.EventFile))
	}
	cfg, err := alertevent.ConfigFromEnv(opts.Getenv)
	if err != nil {
		return err
	}
	body, err := slackmsg.Body(slackmsg.Event(alertevent.Parse(raw, cfg)))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s\n", body)
	return err
}

func readEvent(opts *PreviewOptions) ([]byte, error) {
	if opts.EventFile == "-" {
		raw, err := io.ReadAll(opts.IO.In)
		if err != nil {
			return nil, fmt.Errorf("read event from stdin: %w", err)
		}
		return raw, nil
	}
	raw, err := os.ReadFile(opts.EventFile)
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return raw, nil
}

func displayName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}
