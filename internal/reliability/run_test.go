package reliability

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/cmd/root"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/prompt"
)

// result is one command run in this process.
type result struct {
	code           int
	took           time.Duration
	stdout, stderr string
}

// target is where a run's calls go, as whom, and with which call timeouts.
// It reaches the command through awsconfig.Options, not the environment,
// so that tests run in parallel, each against its own local AWS.
type target struct {
	endpoint string
	creds    aws.Credentials
	timeouts awsconfig.Timeouts
}

// at is the target with these call timeouts.
func (tg target) at(timeouts awsconfig.Timeouts) target {
	tg.timeouts = timeouts
	return tg
}

// TestMain clears the AWS_ variables of whoever runs the tests: every
// command here gets its endpoint, Region and credentials from its target,
// and AWS_PROFILE would name a profile that the isolated load cannot find.
//
// The tests here mostly wait (on response timeouts, retry backoffs, stack
// polls), so at least 16 of them run at once, far more than -parallel's
// default of one per CPU.
func TestMain(m *testing.M) {
	flag.Parse()
	if p := flag.Lookup("test.parallel"); p != nil {
		if n, _ := strconv.Atoi(p.Value.String()); n < 16 {
			p.Value.Set("16")
		}
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			os.Unsetenv(k)
		}
	}
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("NO_COLOR", "1")
	os.Exit(m.Run())
}

// run runs `rootguard args…` in this process as main does, against tg, and
// maps its error to the exit code main would return.
func run(t *testing.T, tg target, stdin string, args ...string) result {
	t.Helper()
	// No command may run this long here; the deadline turns a hang into a
	// failing test instead of a stuck suite.
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	return runCtx(ctx, t, tg, stdin, args...)
}

// runLimit bounds every run of the suite.
var runLimit = 2 * time.Minute

func runCtx(ctx context.Context, t *testing.T, tg target, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{
		IOStreams: ios,
		Prompter:  prompt.NewTerminal(ios),
		AWSConfig: func(ctx context.Context, opts awsconfig.Options) (aws.Config, error) {
			opts.Timeouts = tg.timeouts
			opts.Endpoint, opts.Credentials = tg.endpoint, credentials.StaticCredentialsProvider{Value: tg.creds}
			return awsconfig.Load(ctx, opts)
		},
		Now: time.Now,
	}
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	start := time.Now()
	err := cmd.ExecuteContext(ctx)
	r := result{code: cmdutil.ExitCode(err), took: time.Since(start), stdout: out.String(), stderr: errOut.String()}
	if err != nil {
		r.stderr += "rootguard: " + err.Error() + "\n"
	}
	return r
}

// hungEndpoint accepts TCP connections and never answers: a half-open
// connection through a proxy or VPN.
func hungEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// refusedEndpoint is an address nothing listens on.
func refusedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// unreachable is a target at endpoint with credentials no one checks.
func unreachable(endpoint string) target {
	return target{endpoint: endpoint, creds: aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}}
}

// withZip replaces FUNCTION_ZIP in args with a function package.
func withZip(t *testing.T, args []string) []string {
	t.Helper()
	out := append([]string(nil), args...)
	for i, a := range out {
		if a != "FUNCTION_ZIP" {
			continue
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("bootstrap")
		w.Write([]byte("#!/bin/sh\n"))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "bootstrap.zip")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out[i] = path
	}
	return out
}
