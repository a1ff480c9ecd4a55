// Package alert implements `rootguard alert`, the parent of the commands
// that work with the root-activity alert function.
package alert

import (
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmd/alert/deploy"
	"github.com/rootguard/rootguard/internal/cmd/alert/preview"
	"github.com/rootguard/rootguard/internal/cmd/alert/redrive"
	"github.com/rootguard/rootguard/internal/cmd/alert/status"
	"github.com/rootguard/rootguard/internal/cmd/alert/template"
	alerttest "github.com/rootguard/rootguard/internal/cmd/alert/test"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// NewCmdAlert returns `rootguard alert`. Each subcommand lives in its own
// package under internal/cmd/alert.
func NewCmdAlert(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alert <command>",
		Short: "Work with the Slack alert for root activity",
		Long: `The alert function posts to Slack when the root user signs in, changes its
credentials or calls AWS, and when anyone tampers with rootguard's alert
pipeline.`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.NoSubcommand,
	}
	cmd.AddCommand(preview.NewCmdPreview(f, nil))
	cmd.AddCommand(deploy.NewCmdDeploy(f, nil), deploy.NewCmdRemove(f, nil), template.NewCmdTemplate(f, nil))
	cmd.AddCommand(status.NewCmdStatus(f, nil), alerttest.NewCmdTest(f, nil))
	cmd.AddCommand(redrive.NewCmdRedrive(f, nil))
	return cmd
}
