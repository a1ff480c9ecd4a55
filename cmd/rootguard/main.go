// Command rootguard hardens, watches and proves the AWS root user.
package main

import (
	"context"
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
	return root.Execute(ctx, cmdutil.New(), os.Args[1:])
}
