package posture

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// A page written in writes of any size, across chunk boundaries, reads back
// whole, from any offset, and again after a seek (the SDK rewinds the body
// to retry and to compute its checksum).
func TestPageBufferReadsBackWhatWasWritten(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var want bytes.Buffer
	var b pageBuffer
	for want.Len() < 3*pageChunk+12345 {
		p := make([]byte, rng.IntN(200_000))
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		want.Write(p)
		if n, err := b.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	r := b.Reader()
	if r.Size() != int64(want.Len()) {
		t.Fatalf("size %d, wrote %d", r.Size(), want.Len())
	}
	for range 2 {
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("read back %d bytes (%v), wrote %d, equal %v", len(got), err, want.Len(), bytes.Equal(got, want.Bytes()))
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
	}
	for _, off := range []int64{0, 1, pageChunk - 1, pageChunk, 2*pageChunk + 7, int64(want.Len()) - 3} {
		p := make([]byte, 5000)
		n, err := b.ReadAt(p, off)
		wantN := min(len(p), want.Len()-int(off))
		if n != wantN || !bytes.Equal(p[:n], want.Bytes()[off:int(off)+n]) || (n < len(p)) != (err == io.EOF) {
			t.Errorf("ReadAt(%d) = %d, %v; want %d bytes", off, n, err, wantN)
		}
	}
	if n, err := b.ReadAt(make([]byte, 1), int64(want.Len())); n != 0 || err != io.EOF {
		t.Errorf("ReadAt(end) = %d, %v; want 0, EOF", n, err)
	}
}
