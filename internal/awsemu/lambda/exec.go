package lambda

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// The executor runs functions of the OS-only runtimes (provided.al2023,
// provided.al2) the way Lambda does: on the first invocation it extracts
// `bootstrap` from the function's zip (once per package in the process:
// bootstraps), starts it with the function's
// environment, its Runtime API, the endpoint of this emulator and a session
// of its execution role, and writes what it prints to the log group
// /aws/lambda/<function> of the function's account. A process that exits is
// started again; one whose function is updated or deleted, or whose
// emulator closes, is stopped. Functions whose Runtime API was handed to a
// test (LambdaRuntimeAPI) are left to the test's handler.
type executor struct {
	p     *Functions
	s3    *s3.Client             // kumo's S3, where deployed code lives
	proxy *httputil.ReverseProxy // to kumo, for direct invocations

	mu       sync.Mutex
	specs    map[string]*execSpec // by function name, as created through the front
	procs    map[string]*execProc // running functions, by name
	external map[string]bool      // functions run by a test's own handler
	// warm holds, for each function, the code its last process ran, so
	// that its next execution environment finds it extracted (bootstraps).
	warm   map[string]codeRef
	closed bool // by close: nothing is kept warm any more
}

// execSpec is where a function lives and where its code comes from.
type execSpec struct {
	home                       emu.Scope
	zip                        []byte
	s3Bucket, s3Key, s3Version string
}

// execProc is one function's supervised process.
type execProc struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the supervisor has stopped the process
	exited chan struct{} // closed when the first run ends
	dir    string

	mu      sync.Mutex
	pid     int
	lastErr error
}

// Restart backoff after a crash, as Lambda throttles a crashing runtime.
const (
	restartBackoffStart = 100 * time.Millisecond
	restartBackoffMax   = 5 * time.Second
	// readyTimeout bounds how long an invocation waits for a new process to
	// ask the Runtime API for work (Lambda's init phase is 10 s).
	readyTimeout = 10 * time.Second
	// roleSessionTTL is how long the credentials given to a process last.
	roleSessionTTL = 12 * time.Hour
)

func newExecutor(p *Functions, kumoCfg aws.Config) *executor {
	target, _ := url.Parse(p.kumo)
	return &executor{
		p:  p,
		s3: s3.NewFromConfig(kumoCfg, func(o *s3.Options) { o.UsePathStyle = true }),
		proxy: &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		}},
		specs:    map[string]*execSpec{},
		procs:    map[string]*execProc{},
		external: map[string]bool{},
		warm:     map[string]codeRef{},
	}
}

// forward sends the call on to kumo and reports whether kumo accepted it.
func (e *executor) forward(c *emu.Call) bool { return c.Forward() < 300 }

func (e *executor) createFunction(c *emu.Call) error {
	var in struct {
		FunctionName string
		Code         struct {
			ZipFile                          []byte
			S3Bucket, S3Key, S3ObjectVersion string
		}
	}
	if err := emu.DecodeJSON(c.Body, &in); err != nil {
		return err
	}
	if !e.forward(c) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.specs[functionName(in.FunctionName)] = &execSpec{home: c.Scope(), zip: in.Code.ZipFile,
		s3Bucket: in.Code.S3Bucket, s3Key: in.Code.S3Key, s3Version: in.Code.S3ObjectVersion}
	return nil
}

func (e *executor) updateFunctionCode(c *emu.Call) error {
	var in struct {
		ZipFile                          []byte
		S3Bucket, S3Key, S3ObjectVersion string
	}
	if err := emu.DecodeJSON(c.Body, &in); err != nil {
		return err
	}
	fn := pathFunction(c)
	e.stop(fn)
	if !e.forward(c) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if spec := e.specs[fn]; spec != nil {
		*spec = execSpec{home: spec.home, zip: in.ZipFile, s3Bucket: in.S3Bucket, s3Key: in.S3Key, s3Version: in.S3ObjectVersion}
	}
	e.coolLocked(fn)
	return nil
}

// restartAfter stops the function's process so that the next invocation
// starts one with the new configuration.
func (e *executor) restartAfter(c *emu.Call) error {
	e.stop(pathFunction(c))
	e.forward(c)
	return nil
}

func (e *executor) deleteFunction(c *emu.Call) error {
	fn := pathFunction(c)
	e.stop(fn)
	if e.forward(c) {
		e.mu.Lock()
		delete(e.specs, fn)
		e.coolLocked(fn)
		e.mu.Unlock()
	}
	return nil
}

// keepWarm makes fn hold the code ref (and no other) between its
// execution environments.
func (e *executor) keepWarm(fn string, ref codeRef) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.warm[fn]; e.closed || ok && old == ref {
		return
	}
	e.coolLocked(fn)
	bootstraps.hold(ref)
	e.warm[fn] = ref
}

// coolLocked lets go of the code fn held between execution environments.
// Callers hold e.mu.
func (e *executor) coolLocked(fn string) {
	if ref, ok := e.warm[fn]; ok {
		delete(e.warm, fn)
		bootstraps.release(ref)
	}
}

// close lets go of every function's code, once their processes are gone
// (Functions.Close).
func (e *executor) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	for fn := range e.warm {
		e.coolLocked(fn)
	}
}

// invokeDirect starts the function before kumo hands it the invocation.
func (e *executor) invokeDirect(c *emu.Call) error {
	fn := pathFunction(c)
	if _, err := e.ensure(c.Request.Context(), fn); err != nil {
		var bad *runtimeFailure
		if !errors.As(err, &bad) {
			return err
		}
		body, err := json.Marshal(bad.payload())
		if err != nil {
			return err
		}
		h := http.Header{"Content-Type": {"application/json"}, "X-Amz-Function-Error": {"Unhandled"}}
		return c.Respond(http.StatusOK, h, body)
	}
	// The process's first poll may still be on its way to kumo, which
	// answers 502 until it arrives.
	started := time.Now()
	for {
		rec := httptest.NewRecorder()
		c.Request.Body = io.NopCloser(bytes.NewReader(c.Body))
		e.proxy.ServeHTTP(rec, c.Request)
		if rec.Code == http.StatusBadGateway && time.Since(started) < registrationGrace {
			sleep(c.Request.Context(), 10*time.Millisecond)
			continue
		}
		return c.Respond(rec.Code, rec.Header(), rec.Body.Bytes())
	}
}

// pathFunction is the function named by the path of a
// /2015-03-31/functions/{fn}/… request.
func pathFunction(c *emu.Call) string { return functionName(c.Request.PathValue("fn")) }

// handOver records that a test runs fn's handler itself.
func (e *executor) handOver(fn string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.external[fn] = true
}

// runtimeFailure is a function that cannot run: Lambda answers such an
// invocation with a function error of errorType.
type runtimeFailure struct {
	errorType string
	message   string
}

func (f *runtimeFailure) Error() string { return f.errorType + ": " + f.message }

func (f *runtimeFailure) payload() map[string]string {
	return map[string]string{"errorType": f.errorType, "errorMessage": f.message}
}

func (f *runtimeFailure) result() invokeResult {
	body, _ := json.Marshal(f.payload())
	return invokeResult{payload: body, functionError: "Unhandled"}
}

// ensure starts fn's process unless it runs already, and waits until it
// polls the Runtime API. It reports whether the executor runs fn; a
// *runtimeFailure means fn cannot run, any other error that the emulator
// could not tell.
func (e *executor) ensure(ctx context.Context, fn string) (managed bool, err error) {
	e.mu.Lock()
	spec, proc := e.specs[fn], e.procs[fn]
	managed = spec != nil && !e.external[fn]
	e.mu.Unlock()
	if !managed {
		return false, nil
	}
	if proc == nil {
		var err error
		if proc, err = e.start(ctx, fn, spec); err != nil || proc == nil {
			return proc != nil, err
		}
	}
	rt, err := e.p.runtimeEndpoint(fn)
	if err != nil {
		return true, err
	}
	select {
	case <-rt.polled:
		return true, nil
	case <-proc.exited:
		select {
		case <-rt.polled: // exited after it polled: a later run serves
			return true, nil
		default:
		}
		proc.mu.Lock()
		defer proc.mu.Unlock()
		return true, &runtimeFailure{"Runtime.ExitError", fmt.Sprintf("RequestId: none Error: Runtime exited with error: %v", proc.lastErr)}
	case <-ctx.Done():
		return true, ctx.Err()
	case <-time.After(readyTimeout):
		return true, &runtimeFailure{"Runtime.Unknown", fmt.Sprintf("the runtime of %s did not poll for work within %s", fn, readyTimeout)}
	}
}

// start launches fn's process. It returns nil without error for functions
// of runtimes the executor does not run.
func (e *executor) start(ctx context.Context, fn string, spec *execSpec) (*execProc, error) {
	cfg, err := e.p.lambda.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(fn)})
	if err != nil {
		return nil, fmt.Errorf("look up function %s: %w", fn, err)
	}
	conf := cfg.Configuration
	if rt := string(conf.Runtime); rt != "provided.al2023" && rt != "provided.al2" {
		return nil, nil
	}
	logGroup := "/aws/lambda/" + fn
	code, err := e.code(ctx, spec)
	if err == nil {
		var ref codeRef
		if ref, err = bootstraps.acquire(code); err == nil {
			e.keepWarm(fn, ref)
			return e.launch(fn, spec, conf.Environment, logGroup, ref, aws.ToInt32(conf.MemorySize), string(conf.Runtime), aws.ToString(conf.Handler), aws.ToString(conf.Role))
		}
	}
	var bad *runtimeFailure
	if errors.As(err, &bad) {
		slog.Warn("awsemu: function cannot run", "function", fn, "error", bad.message)
		e.logs(spec.home, logGroup, fmt.Sprintf("%s/[$LATEST]init", time.Now().UTC().Format("2006/01/02")), "INIT_REPORT Status: error Error Type: "+bad.Error())
	}
	return nil, err
}

func (e *executor) logs(k emu.Scope, group, stream string, lines ...string) {
	e.p.links.AppendLog(k, group, stream, time.Now(), lines...)
}

// code reads the function's zip, from the request that created it or from S3.
func (e *executor) code(ctx context.Context, spec *execSpec) ([]byte, error) {
	if spec.s3Bucket == "" {
		return spec.zip, nil
	}
	in := &s3.GetObjectInput{Bucket: aws.String(spec.s3Bucket), Key: aws.String(spec.s3Key)}
	if spec.s3Version != "" {
		in.VersionId = aws.String(spec.s3Version)
	}
	out, err := e.s3.GetObject(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("read code s3://%s/%s: %w", spec.s3Bucket, spec.s3Key, err)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// hostArch is the ELF machine of binaries this host runs.
var hostArch = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// elfArch names an ELF machine as Lambda's architectures do.
var elfArch = map[elf.Machine]string{elf.EM_X86_64: "x86_64", elf.EM_AARCH64: "arm64"}

// extractBootstrap writes the zip's bootstrap to the new directory dir,
// after checking that this host can execute it.
func extractBootstrap(code []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(code), int64(len(code)))
	if err != nil {
		return &runtimeFailure{"Runtime.InvalidEntrypoint", fmt.Sprintf("the function's code is not a zip archive: %v", err)}
	}
	f, err := zr.Open("bootstrap")
	if err != nil {
		return &runtimeFailure{"Runtime.InvalidEntrypoint", "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"}
	}
	defer f.Close()
	// Lambda keeps the zip's permission bits: a bootstrap that is not
	// executable there fails to start, and so it does here.
	if info, err := f.Stat(); err != nil || info.Mode().Perm()&0o111 == 0 {
		return &runtimeFailure{"Runtime.InvalidEntrypoint", "fork/exec /var/task/bootstrap: permission denied"}
	}
	bin, err := io.ReadAll(f)
	if err != nil {
		return &runtimeFailure{"Runtime.InvalidEntrypoint", fmt.Sprintf("read bootstrap: %v", err)}
	}
	if err := checkRunnable(bin); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), bin, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	return nil
}

// checkRunnable refuses a bootstrap that is not a Linux executable for this
// host's architecture: the emulator runs functions natively.
func checkRunnable(bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return &runtimeFailure{"Runtime.InvalidEntrypoint", "bootstrap is not a Linux executable (ELF): " + err.Error()}
	}
	host := runtime.GOOS + "/" + runtime.GOARCH
	want, known := hostArch[runtime.GOARCH]
	if runtime.GOOS != "linux" || !known {
		return &runtimeFailure{"Runtime.InvalidEntrypoint", "this host (" + host + ") cannot run Lambda's Linux binaries; the local AWS runs functions only on linux/amd64 and linux/arm64"}
	}
	if f.Machine != want {
		got := elfArch[f.Machine]
		if got == "" {
			got = f.Machine.String()
		}
		return &runtimeFailure{"Runtime.InvalidEntrypoint", fmt.Sprintf("bootstrap is built for %s but this host runs %s: the local AWS runs functions natively, so deploy the %s zip (GOARCH=%s)", got, host, elfArch[want], runtime.GOARCH)}
	}
	return nil
}

// launch starts the supervisor of fn's process.
// The process holds ref, its code, until it is stopped.
func (e *executor) launch(fn string, spec *execSpec, env *lambdatypes.EnvironmentResponse, logGroup string, ref codeRef, memory int32, rtName, handler, role string) (*execProc, error) {
	rt, err := e.p.runtimeEndpoint(fn)
	if err != nil {
		bootstraps.release(ref)
		return nil, err
	}
	dir := ref.dir
	roleArn := emu.ParseARN(role)
	creds := e.p.links.Credentials(emu.Principal{Account: roleArn.Account, Type: emu.PrincipalAssumedRole,
		Name: roleArn.Resource[strings.LastIndexByte(roleArn.Resource, '/')+1:], Session: fn}, roleSessionTTL)

	var vars []string
	if env != nil {
		for k, v := range env.Variables {
			vars = append(vars, k+"="+v)
		}
	}
	if memory == 0 {
		memory = 128
	}
	reserved := []string{
		"AWS_LAMBDA_RUNTIME_API=" + rt.addr,
		"AWS_REGION=" + spec.home.Region, "AWS_DEFAULT_REGION=" + spec.home.Region,
		"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + creds.SessionToken,
		"AWS_ENDPOINT_URL=" + e.p.links.Endpoint(),
		"AWS_LAMBDA_FUNCTION_NAME=" + fn, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", memory),
		"AWS_LAMBDA_LOG_GROUP_NAME=" + logGroup,
		"AWS_EXECUTION_ENV=AWS_Lambda_" + rtName, "_HANDLER=" + handler,
		"LAMBDA_TASK_ROOT=" + dir, "LAMBDA_RUNTIME_DIR=" + dir,
		"PATH=/usr/local/bin:/usr/bin:/bin", "TZ=:UTC", "LANG=en_US.UTF-8",
	}

	ctx, cancel := context.WithCancel(e.p.ctx)
	proc := &execProc{cancel: cancel, done: make(chan struct{}), exited: make(chan struct{}), dir: dir}
	e.mu.Lock()
	if running := e.procs[fn]; running != nil { // another invocation won the race
		e.mu.Unlock()
		cancel()
		bootstraps.release(ref)
		return running, nil
	}
	e.procs[fn] = proc
	e.mu.Unlock()

	e.p.wg.Go(func() {
		defer close(proc.done)
		defer bootstraps.release(ref)
		e.supervise(ctx, proc, spec.home, logGroup, append(vars, reserved...))
	})
	return proc, nil
}

// supervise runs the process until ctx ends, restarting it with backoff
// whenever it exits.
func (e *executor) supervise(ctx context.Context, proc *execProc, home emu.Scope, logGroup string, env []string) {
	backoff := restartBackoffStart
	first := true
	for ctx.Err() == nil {
		stream := logStreamName()
		began := time.Now()
		err := e.run(ctx, proc, home, logGroup, stream, env)
		if ctx.Err() != nil {
			return
		}
		proc.mu.Lock()
		proc.lastErr = err
		proc.mu.Unlock()
		e.logs(home, logGroup, stream, fmt.Sprintf("RequestId: none Error: Runtime exited with error: %v\nRuntime.ExitError", err))
		if first {
			close(proc.exited)
			first = false
		}
		if time.Since(began) > time.Minute {
			backoff = restartBackoffStart
		}
		sleep(ctx, backoff)
		backoff = min(2*backoff, restartBackoffMax)
	}
}

// run executes the bootstrap once, copying each line it prints to the log
// stream, and returns how it ended.
func (e *executor) run(ctx context.Context, proc *execProc, home emu.Scope, logGroup, stream string, env []string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(proc.dir, "bootstrap"))
	cmd.Dir, cmd.Env = proc.dir, env
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	proc.mu.Lock()
	proc.pid = cmd.Process.Pid
	proc.mu.Unlock()
	e.logs(home, logGroup, stream, "INIT_START Runtime Version: provided:al2023")

	var copying sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		copying.Go(func() {
			lines := bufio.NewScanner(r)
			lines.Buffer(make([]byte, 64*1024), 256*1024) // a log event holds at most 256 KB
			for lines.Scan() {
				e.logs(home, logGroup, stream, lines.Text())
			}
		})
	}
	copying.Wait()
	return cmd.Wait()
}

// logStreamName is a stream name as Lambda gives each execution environment.
func logStreamName() string {
	var id [16]byte
	_, _ = rand.Read(id[:])
	return time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(id[:])
}

// stop ends fn's process, if any, and waits until it is gone.
func (e *executor) stop(fn string) {
	e.mu.Lock()
	proc := e.procs[fn]
	delete(e.procs, fn)
	e.mu.Unlock()
	if proc != nil {
		proc.cancel()
		<-proc.done
	}
}
