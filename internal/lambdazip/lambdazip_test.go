package lambdazip

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
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
