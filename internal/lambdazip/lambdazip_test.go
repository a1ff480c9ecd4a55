package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestZipHoldsAnExecutableBootstrap(t *testing.T) {
	data, err := Zip([]byte("\x7fELF binary"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("entries %v, want exactly bootstrap", zr.File)
	}
	if mode := zr.File[0].Mode(); mode.Perm() != 0o755 {
		t.Errorf("mode %v, want 0755 (Lambda execs it)", mode)
	}
	rc, _ := zr.File[0].Open()
	body, _ := io.ReadAll(rc)
	if string(body) != "\x7fELF binary" {
		t.Errorf("body %q", body)
	}
}

// TestBuildServesNoStaleCode builds a throwaway main package through a
// fresh cache, changes its source and builds again: the second package
// must hold the new code, and a third Build of unchanged source must find
// the cached executable up to date (go build leaves the file alone).
func TestBuildServesNoStaleCode(t *testing.T) {
	useCache(t, t.TempDir())
	mod := t.TempDir()
	writeMain(t, mod, "rootguard-lambdazip-v1")
	t.Chdir(mod)

	first := mustBuild(t)
	if !bytes.Contains(first, []byte("rootguard-lambdazip-v1")) {
		t.Fatal("first package does not hold the v1 code")
	}
	dir, err := entryDir(".", runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	exe1 := stat(t, filepath.Join(dir, "bootstrap"))

	writeMain(t, mod, "rootguard-lambdazip-v2")
	second := mustBuild(t)
	if !bytes.Contains(second, []byte("rootguard-lambdazip-v2")) || bytes.Contains(second, []byte("rootguard-lambdazip-v1")) {
		t.Fatal("after a source change, the package still holds the old code")
	}
	exe2 := stat(t, filepath.Join(dir, "bootstrap"))
	if os.SameFile(exe1, exe2) {
		t.Error("go build did not replace the executable after a source change")
	}

	zipBefore := stat(t, filepath.Join(dir, "bootstrap.zip"))
	third := mustBuild(t)
	if !bytes.Equal(third, second) {
		t.Error("an unchanged source gave a different package")
	}
	if !os.SameFile(exe2, stat(t, filepath.Join(dir, "bootstrap"))) {
		t.Error("go build relinked an up-to-date executable")
	}
	if !os.SameFile(zipBefore, stat(t, filepath.Join(dir, "bootstrap.zip"))) {
		t.Error("the zip of an unchanged executable was written again")
	}
}

// TestBuildRezipsWhenTheSumDoesNotMatch: a zip whose recorded sum is not
// the executable's (a Build that died between writes) is made again.
func TestBuildRezipsWhenTheSumDoesNotMatch(t *testing.T) {
	useCache(t, t.TempDir())
	mod := t.TempDir()
	writeMain(t, mod, "rootguard-lambdazip-sum")
	t.Chdir(mod)
	mustBuild(t)
	dir, err := entryDir(".", runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Zip([]byte("not this executable"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap.zip"), stale, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap.sha256"), []byte("0000"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mustBuild(t); !bytes.Contains(got, []byte("rootguard-lambdazip-sum")) {
		t.Fatal("a zip without the executable's sum was served")
	}
}

// TestBuildWithoutUsableCache: a cache directory that cannot be made
// (its parent is a file) leaves Build working, uncached.
func TestBuildWithoutUsableCache(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	useCache(t, filepath.Join(file, "cache"))
	mod := t.TempDir()
	writeMain(t, mod, "rootguard-lambdazip-nocache")
	t.Chdir(mod)
	if got := mustBuild(t); !bytes.Contains(got, []byte("rootguard-lambdazip-nocache")) {
		t.Fatal("uncached build does not hold the code")
	}
}

// TestLockWaitsForTheHolder: a second Build of the same entry (another
// process, or this one) waits while the first holds the lock, and gives
// up when its context ends.
func TestLockWaitsForTheHolder(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lock(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := lock(ctx, dir); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held: %v, want it to wait until its deadline", err)
	}
	unlock()
	again, err := lock(t.Context(), dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}

func useCache(t *testing.T, dir string) {
	t.Helper()
	old := cacheRoot
	cacheRoot = func() (string, error) { return dir, nil }
	t.Cleanup(func() { cacheRoot = old })
}

// writeMain writes a main package that prints marker, in its own module.
func writeMain(t *testing.T, dir, marker string) {
	t.Helper()
	files := map[string]string{
		"go.mod":  "module example.com/fn\n\ngo 1.22\n",
		"main.go": "package main\n\nfunc main() { println(\"" + marker + "\") }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// mustBuild builds the current directory's package through the cache (not
// Build's in-process memo, which assumes the source does not change) and
// returns the executable the package holds.
func mustBuild(t *testing.T) []byte {
	t.Helper()
	data, err := build(t.Context(), ".", runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	exe, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func stat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}
