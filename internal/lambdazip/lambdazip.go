// Package lambdazip builds the deployment package of a Go Lambda function
// for the provided.al2023 runtime: the main package compiled with the
// Makefile's `lambda` flags and zipped as an executable named bootstrap at
// the archive's root. `rootguard demo` and the tests use it to run the
// functions on the local AWS; releases are built by `make lambda`.
//
// Linking a function takes seconds and deflating it one more, so Build
// keeps its work across processes in the user's cache directory:
//
//	$(os.UserCacheDir)/rootguard/lambdazip/<key>/
//	    bootstrap         the executable, rebuilt in place by `go build -o`
//	    bootstrap.zip     the package of that executable
//	    bootstrap.sha256  the SHA-256 of the executable bootstrap.zip holds
//	    lock              flock(2)ed while a Build reads or writes the entry
//
// (~/.cache on Linux, ~/Library/Caches on macOS), where key is a hash of
// the package, GOOS, GOARCH, the build flags and the module's root
// directory, so checkouts of rootguard never share an entry. `go build -o`
// itself decides whether the executable is up to date (it compares the
// build ID the file carries with the one the sources give and skips the
// link when they match), so a change to any source, dependency or the
// toolchain rebuilds it, and a new executable is zipped again. The lock
// makes parallel test processes and demo runs wait for each other rather
// than read a half-written file. Where the cache directory cannot be used
// (no home directory, a read-only one, a system without flock), Build
// builds in a temporary directory as if there were no cache. Removing the
// directory is always safe: the next Build makes it again.
package lambdazip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// buildFlags are `make lambda`'s: no RPC mode, reproducible, stripped.
var buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// built holds the packages Build made in this process, by pkg, goos and
// goarch: the source does not change while a process runs, and even an
// up-to-date `go build` takes half a CPU-second (tests deploy many times).
var built sync.Map // [3]string → []byte

// building makes one Build at a time: callers that start together (tests
// in parallel) wait for the first one's package rather than each link it.
var building sync.Mutex

// cacheRoot is where Build keeps its entries; tests point it elsewhere.
var cacheRoot = func() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rootguard", "lambdazip"), nil
}

// Build compiles the main package pkg (an import path, or a ./relative
// directory from the current one) for goos/goarch without cgo and returns
// the zipped package. It needs the Go toolchain and the module's source.
// A second call with the same arguments returns the first one's package.
func Build(ctx context.Context, pkg, goos, goarch string) ([]byte, error) {
	key := [3]string{pkg, goos, goarch}
	if zip, ok := built.Load(key); ok {
		return bytes.Clone(zip.([]byte)), nil // callers may change theirs
	}
	building.Lock()
	defer building.Unlock()
	if zip, ok := built.Load(key); ok {
		return bytes.Clone(zip.([]byte)), nil
	}
	zip, err := build(ctx, pkg, goos, goarch)
	if err != nil {
		return nil, err
	}
	built.Store(key, bytes.Clone(zip))
	return zip, nil
}

// build makes the package through the cache, or without it when the cache
// directory is unusable.
func build(ctx context.Context, pkg, goos, goarch string) ([]byte, error) {
	dir, err := entryDir(pkg, goos, goarch)
	if err == nil {
		var unlock func()
		if unlock, err = lock(ctx, dir); err == nil {
			defer unlock()
			return buildIn(ctx, dir, pkg, goos, goarch)
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// No usable cache (no home directory, a read-only one, no flock):
	// build as if this were the first run.
	tmp, err := os.MkdirTemp("", "lambdazip")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	return buildIn(ctx, tmp, pkg, goos, goarch)
}

// entryDir is the cache entry of pkg for goos/goarch, created if need be.
func entryDir(pkg, goos, goarch string) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(pkg, ".") || filepath.IsAbs(pkg) { // a directory, not an import path
		pkg = filepath.Join(wd, pkg)
	}
	id := strings.Join(append([]string{pkg, goos, goarch, moduleRoot(wd)}, buildFlags...), "\x00")
	sum := sha256.Sum256([]byte(id))
	dir := filepath.Join(root, hex.EncodeToString(sum[:12]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("lambdazip cache: %w", err)
	}
	return dir, nil
}

// moduleRoot is the directory of the go.mod that governs dir (or dir
// itself outside a module): import paths resolve against it.
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// buildIn runs `go build -o dir/bootstrap`, which leaves an up-to-date
// executable alone, and zips the executable unless dir's zip already holds
// it.
func buildIn(ctx context.Context, dir, pkg, goos, goarch string) ([]byte, error) {
	bin := filepath.Join(dir, "bootstrap")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	// go build links in its work directory, under GOTMPDIR, and renames the
	// result onto bin when both are on one file system (it copies
	// otherwise): a build killed half way then leaves no partial bin whose
	// build ID, in its first page, would pass for up to date.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOTMPDIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %s for %s/%s: %v\n%s", pkg, goos, goarch, err, out)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(exe)
	exeSum := hex.EncodeToString(sum[:])
	zipPath, sumPath := filepath.Join(dir, "bootstrap.zip"), filepath.Join(dir, "bootstrap.sha256")
	if held, err := os.ReadFile(sumPath); err == nil && string(held) == exeSum {
		if data, err := os.ReadFile(zipPath); err == nil {
			return data, nil
		}
	}
	data, err := Zip(exe)
	if err != nil {
		return nil, err
	}
	// The sum goes first and comes back last: a zip never sits beside the
	// sum of another executable, even if this process dies between writes.
	if err := os.Remove(sumPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := writeFile(zipPath, data); err != nil {
		return nil, err
	}
	if err := writeFile(sumPath, []byte(exeSum)); err != nil {
		return nil, err
	}
	return data, nil
}

// writeFile replaces path with data in one rename.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Zip packs an executable as bootstrap, mode 0755, at the archive's root.
//
// It deflates at flate.BestSpeed: for rootguard's functions that is 4–5×
// less CPU than the default level for a package 11–18 % larger (the alert
// function 4.4 MB, the posture auditor 12.7 MB; BENCHMARKS.md), well under
// Lambda's 50 MB quota for a .zip uploaded directly (250 MB unzipped;
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
func Zip(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	// SetMode also marks the entry as made on Unix: without that, readers
	// (Lambda among them) ignore the permission bits and bootstrap is not
	// executable.
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bootstrap); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
