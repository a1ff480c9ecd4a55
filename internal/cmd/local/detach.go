package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rootguard/rootguard/internal/cmdutil"
)

// --detach works as aws-vault's and localstack's "print the environment,
// keep serving" do: the command starts itself again as a background
// process in a session of its own (no terminal, stdin and stdout on
// /dev/null), reads the environment from a pipe once that process serves,
// prints it with ROOTGUARD_LOCAL_PID and returns — so
// eval "$(rootguard local --detach)" ends while the server keeps running.

// readyFDFlag is the hidden flag naming the background process's pipe.
const readyFDFlag = "ready-fd"

// detachTimeout bounds the wait for the background process to serve; a
// scenario of thousands of members takes a few seconds.
const detachTimeout = 2 * time.Minute

func detach(ctx context.Context, opts *LocalOptions) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start the local AWS in the background: %w", err)
	}
	defer r.Close()
	cmd, err := backgroundCommand(opts)
	if err != nil {
		_ = w.Close()
		return err
	}
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = detachedProcess()
	if err := cmd.Start(); err != nil {
		_ = w.Close()
		return fmt.Errorf("start the local AWS in the background: %w", err)
	}
	_ = w.Close() // the background process holds the only writer now

	env, err := readReady(ctx, r, cmd)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	for _, line := range env {
		fmt.Fprintln(opts.IO.Out, line)
	}
	fmt.Fprintf(opts.IO.Out, "export ROOTGUARD_LOCAL_PID=%d\n", cmd.Process.Pid)
	fmt.Fprintf(opts.IO.ErrOut, "Local AWS serving in the background (PID %d); stop it with: kill $ROOTGUARD_LOCAL_PID\n", cmd.Process.Pid)
	return cmd.Process.Release()
}

// backgroundCommand is this command again, without --detach, writing to fd 3.
func backgroundCommand(opts *LocalOptions) (*exec.Cmd, error) {
	args := []string{"local", "--" + readyFDFlag + "=3"}
	if opts.Scenario != "" {
		args = append(args, "--scenario", opts.Scenario)
	}
	if opts.Members > 0 {
		args = append(args, "--members", strconv.Itoa(opts.Members))
	}
	if opts.Latency > 0 {
		args = append(args, "--latency", opts.Latency.String())
	}
	services := make([]string, 0, len(opts.Throttle))
	for svc := range opts.Throttle {
		services = append(services, svc)
	}
	slices.Sort(services)
	for _, svc := range services {
		args = append(args, "--throttle", svc+"="+opts.Throttle[svc])
	}
	if opts.command != nil {
		return opts.command(args...), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the local AWS in the background: %w", err)
	}
	return exec.Command(exe, args...), nil
}

// readReady reads the background process's pipe to its end: export lines
// once it serves, or "usage: …"/"error: …" when it could not start.
func readReady(ctx context.Context, r io.Reader, cmd *exec.Cmd) ([]string, error) {
	type result struct {
		lines []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			res.lines = append(res.lines, sc.Text())
		}
		res.err = sc.Err()
		done <- res
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(detachTimeout):
		return nil, fmt.Errorf("the local AWS did not serve within %s", detachTimeout)
	}
	if res.err != nil {
		return nil, fmt.Errorf("read the local AWS's environment: %w", res.err)
	}
	if len(res.lines) == 1 {
		if msg, ok := strings.CutPrefix(res.lines[0], "usage: "); ok {
			return nil, cmdutil.Usagef("%s", msg)
		}
		if msg, ok := strings.CutPrefix(res.lines[0], "error: "); ok {
			return nil, errors.New(msg)
		}
	}
	if len(res.lines) == 0 || !strings.HasPrefix(res.lines[0], "export ") {
		// It closed the pipe without a word: it died.
		err := cmd.Wait()
		return nil, fmt.Errorf("the local AWS exited before serving: %v", err)
	}
	return res.lines, nil
}

// reportFailure tells the process waiting in detach why the background
// process does not serve.
func reportFailure(w io.Writer, err error) {
	kind := "error"
	if cmdutil.ExitCode(err) == cmdutil.ExitUsage {
		kind = "usage"
	}
	fmt.Fprintf(w, "%s: %s\n", kind, strings.ReplaceAll(err.Error(), "\n", " "))
}
