// Package lambdazip builds the deployment package of a Go Lambda function
// for the provided.al2023 runtime: the main package compiled with the
// Makefile's `lambda` flags and zipped as an executable named bootstrap at
// the archive's root.
package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// buildFlags are `make lambda`'s: no RPC mode, reproducible, stripped.
var buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// built holds the packages Build made in this process, by pkg, goos and
// goarch: the source does not change while a process runs, and linking
// the function again takes seconds (the tests deploy it many times).
var built sync.Map // [3]string → []byte

// building makes one Build at a time: callers that start together (tests
// in parallel) wait for the first one's package rather than each link it.
var building sync.Mutex

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

func build(ctx context.Context, pkg, goos, goarch string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "lambdazip")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bootstrap")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %s for %s/%s: %v\n%s", pkg, goos, goarch, err, out)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return Zip(exe)
}

// Zip packs an executable as bootstrap, mode 0755, at the archive's root.
func Zip(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
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
