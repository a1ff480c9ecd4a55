// Command rootguard hardens, watches and proves the AWS root user.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rootguard/rootguard/internal/cmd/root"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f := cmdutil.New()
	cmd := root.NewCmdRoot(f)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	var ec *cmdutil.ExitCodeError
	if !errors.Is(err, cmdutil.ErrSilent) && !errors.As(err, &ec) {
		fmt.Fprintf(f.IOStreams.ErrOut, "rootguard: %v\n", err)
		var ue *cmdutil.UsageError
		if errors.As(err, &ue) {
			fmt.Fprintf(f.IOStreams.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return cmdutil.ExitCode(err)
}
