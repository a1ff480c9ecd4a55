// Package version implements `rootguard version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/buildinfo"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// NewCmdVersion returns `rootguard version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Example: `  rootguard version`,
		Short:   "Print the rootguard version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "rootguard %s (%s, %s/%s)\n",
				buildinfo.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
