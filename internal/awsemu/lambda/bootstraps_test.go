package lambda

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// hostELF is the smallest ELF header checkRunnable accepts: an executable
// of this host's machine, with tag to tell executables apart.
func hostELF(t *testing.T, tag string) []byte {
	t.Helper()
	machine, ok := hostArch[runtime.GOARCH]
	if runtime.GOOS != "linux" || !ok {
		t.Skip("the local AWS runs Lambda's Linux binaries only on linux/amd64 and linux/arm64")
	}
	hdr := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT), Ehsize: 64, Phentsize: 56, Shentsize: 64}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS], hdr.Ident[elf.EI_DATA], hdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, hdr); err != nil {
		t.Fatal(err)
	}
	buf.WriteString(tag)
	return buf.Bytes()
}

// packageOf zips bin as an executable bootstrap; comment makes packages of
// the same executable differ, as two builds' zips do.
func packageOf(t *testing.T, bin []byte, comment string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bin); err != nil {
		t.Fatal(err)
	}
	if err := zw.SetComment(comment); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// newBootstrapCache is a cache that removes an entry at its last release.
func newBootstrapCache() *bootstrapCache {
	return &bootstrapCache{entries: map[[32]byte]*bootstrapEntry{}}
}

func mustAcquire(t *testing.T, c *bootstrapCache, code []byte) codeRef {
	t.Helper()
	ref, err := c.acquire(code)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func stat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// TestBootstrapsExtractEachPackageOnce: a second user of the same package
// (another execution environment, function or emulator) gets the first
// one's bootstrap; a different package (updated code) its own; the last
// release removes the files and the process's directory.
func TestBootstrapsExtractEachPackageOnce(t *testing.T) {
	c := newBootstrapCache()
	bin := hostELF(t, "v1")
	v1 := packageOf(t, bin, "")

	a := mustAcquire(t, c, v1)
	first := stat(t, filepath.Join(a.dir, "bootstrap"))
	if got, _ := os.ReadFile(filepath.Join(a.dir, "bootstrap")); !bytes.Equal(got, bin) {
		t.Fatal("extracted bootstrap differs from the package's")
	}
	b := mustAcquire(t, c, bytes.Clone(v1))
	if b.dir != a.dir || !os.SameFile(first, stat(t, filepath.Join(b.dir, "bootstrap"))) {
		t.Fatalf("the same package was extracted again: %s, then %s", a.dir, b.dir)
	}

	v2 := mustAcquire(t, c, packageOf(t, hostELF(t, "v2"), "updated"))
	if v2.dir == a.dir {
		t.Fatal("new code shares the old code's bootstrap")
	}
	if got, _ := os.ReadFile(filepath.Join(v2.dir, "bootstrap")); !bytes.HasSuffix(got, []byte("v2")) {
		t.Fatal("the updated package's bootstrap is not the new code")
	}

	c.release(a)
	stat(t, filepath.Join(b.dir, "bootstrap")) // b still holds it
	c.release(b)
	if _, err := os.Stat(a.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after the last release of v1: %v, want it removed", err)
	}
	root := c.root
	c.release(v2)
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) || c.root != "" {
		t.Errorf("with no package held the process's directory remains: %v", err)
	}
}

// TestBootstrapsKeepNoFailedPackage: a package that cannot run is an
// InvalidEntrypoint failure every time and leaves nothing behind.
func TestBootstrapsKeepNoFailedPackage(t *testing.T) {
	c := newBootstrapCache()
	bad := packageOf(t, []byte("#!/bin/sh\n"), "")
	for range 2 {
		_, err := c.acquire(bad)
		var failure *runtimeFailure
		if !errors.As(err, &failure) || failure.errorType != "Runtime.InvalidEntrypoint" {
			t.Fatalf("acquire of a non-ELF bootstrap: %v", err)
		}
	}
	if len(c.entries) != 0 || c.root != "" {
		t.Errorf("a failed package left entries %v, directory %q", c.entries, c.root)
	}
}

// TestBootstrapsSweepAbandonedDirectories: making the process's directory
// removes those of processes that are gone (their lock is free), and
// leaves a live process's (locked) and one being made (no lock yet).
func TestBootstrapsSweepAbandonedDirectories(t *testing.T) {
	bin := hostELF(t, "sweep")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	mk := func(name string, lock bool) string {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(dir, "0abc"), 0o700); err != nil {
			t.Fatal(err)
		}
		if lock {
			if err := os.WriteFile(filepath.Join(dir, "lock"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	abandoned, live, making := mk("awsemu-lambda-1", true), mk("awsemu-lambda-2", true), mk("awsemu-lambda-3", false)
	release, err := claimDir(live) // as its process does
	if err != nil {
		t.Skip("no flock here:", err)
	}
	defer release()

	c := newBootstrapCache()
	ref := mustAcquire(t, c, packageOf(t, bin, ""))
	defer c.release(ref)
	if _, err := os.Stat(abandoned); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("abandoned directory: %v, want it removed", err)
	}
	for _, dir := range []string{live, making, c.root} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s: %v, want it kept", dir, err)
		}
	}
}

// TestBootstrapsLingerForTheNextUser: a package released by its last user
// (an emulator closing) is still there for the next one (the next test's
// emulator) within the linger, and removed once it has lingered unheld.
func TestBootstrapsLingerForTheNextUser(t *testing.T) {
	c := newBootstrapCache()
	c.linger = time.Hour
	code := packageOf(t, hostELF(t, "linger"), "")
	first := mustAcquire(t, c, code)
	exe := stat(t, filepath.Join(first.dir, "bootstrap"))
	c.release(first)
	next := mustAcquire(t, c, code)
	if next.dir != first.dir || !os.SameFile(exe, stat(t, filepath.Join(next.dir, "bootstrap"))) {
		t.Fatal("a lingering package was extracted again")
	}

	c.mu.Lock()
	c.linger = time.Millisecond
	c.mu.Unlock()
	c.release(next)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(next.dir); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an unheld package outlived its linger")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) != 0 || c.root != "" {
		t.Errorf("after the linger: entries %v, directory %q", c.entries, c.root)
	}
}
