package posture

import "io"

// pageChunk is the size of a pageBuffer's chunks.
const pageChunk = 1 << 20

// pageBuffer holds the HTML report between its rendering and its upload,
// in chunks of pageChunk bytes. A bytes.Buffer would copy the page at every
// doubling and hold the old and the new array at once: at 10,000 accounts
// the page is ~70 MiB and its last growth ~200 MiB, in a function kept
// under 512 MB. The upload reads it through Reader, which the SDK can seek
// to compute the payload's length and checksum.
type pageBuffer struct {
	chunks [][]byte
	size   int64
}

func (b *pageBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == pageChunk {
			b.chunks = append(b.chunks, make([]byte, 0, pageChunk))
		}
		last := &b.chunks[len(b.chunks)-1]
		k := min(len(p), pageChunk-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	b.size += int64(n)
	return n, nil
}

// ReadAt reads the page from off.
func (b *pageBuffer) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := 0
	for n < len(p) && off < b.size {
		k := copy(p[n:], b.chunks[off/pageChunk][off%pageChunk:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Reader reads the whole page.
func (b *pageBuffer) Reader() *io.SectionReader { return io.NewSectionReader(b, 0, b.size) }
