package root

import (
	"context"
	"errors"
	"fmt"

	"github.com/rootguard/rootguard/internal/cmdutil"
)

// Execute runs rootguard with args and returns the process exit code. An
// error is one line on stderr; a usage error (exit 2) adds where to read
// the usage of the command that was run — `rootguard audit --help`, not the
// root's.
func Execute(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	ran, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) {
		fmt.Fprintf(f.IOStreams.ErrOut, "rootguard: %v\n", err)
		var ue *cmdutil.UsageError
		if errors.As(err, &ue) {
			if ran == nil {
				ran = cmd
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Run '%s --help' for usage.\n", ran.CommandPath())
		}
	}
	return cmdutil.ExitCode(err)
}
