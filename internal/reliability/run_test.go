package reliability

import (
	"archive/zip"
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

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

// run runs `rootguard args…` in this process as main does, with the given
// call timeouts, and maps its error to the exit code main would return.
func run(t *testing.T, timeouts awsconfig.Timeouts, stdin string, args ...string) result {
	t.Helper()
	// No command may run this long here; the deadline turns a hang into a
	// failing test instead of a stuck suite.
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	return runCtx(ctx, t, timeouts, stdin, args...)
}

// runLimit bounds every run of the suite.
var runLimit = 2 * time.Minute

func runCtx(ctx context.Context, t *testing.T, timeouts awsconfig.Timeouts, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{
		IOStreams: ios,
		Prompter:  prompt.NewTerminal(ios),
		AWSConfig: func(ctx context.Context, opts awsconfig.Options) (aws.Config, error) {
			opts.Timeouts = timeouts
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

// isolate points the SDK at endpoint with static credentials and nothing
// from the user's own configuration.
func isolate(t *testing.T, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "",
		"AWS_ENDPOINT_URL": endpoint, "NO_COLOR": "1",
	} {
		t.Setenv(k, v)
	}
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
