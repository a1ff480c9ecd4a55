package lambda

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// bootstraps is the process's extracted function code, shared by every
// Functions (every Server) in it: one bootstrap per distinct deployment
// package, so a second execution environment, a second function or a
// second emulator running the same code does not inflate it again (the
// alert function is ~10 MB and the posture auditor ~39 MB uncompressed).
//
// Lambda names a package by its CodeSha256, the SHA-256 of the .zip
// (base64 in the API: FunctionConfiguration.CodeSha256,
// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html);
// an entry is keyed by that digest, so UpdateFunctionCode with new code
// gives a new entry. Entries are counted references: each execution
// environment holds one while it runs, and each function holds one to the
// code it last ran until its code is updated, it is deleted, or its
// Functions closes. An entry nobody holds is removed after lingering
// (bootstrapLinger: the next test's emulator, seconds later, finds it),
// and the process's directory with the last one. A process that exits
// before then (or before its emulators finish closing: Server.Close does
// not wait) leaves its directory behind; the next process to make one
// removes it (sweepAbandoned), so what remains is the bootstraps of
// processes that ended since.
var bootstraps = &bootstrapCache{linger: bootstrapLinger, entries: map[[sha256.Size]byte]*bootstrapEntry{}}

// bootstrapLinger is how long an extracted package nobody holds is kept.
const bootstrapLinger = 30 * time.Second

type bootstrapCache struct {
	linger  time.Duration
	mu      sync.Mutex
	root    string // this process's temporary directory, while it has entries
	unclaim func() // lets go of root's claim (claimDir)
	entries map[[sha256.Size]byte]*bootstrapEntry
}

// bootstrapEntry is one package's extracted bootstrap.
type bootstrapEntry struct {
	ready chan struct{} // closed when the extraction ended; then dir or err is set
	dir   string        // holds the executable bootstrap
	err   error
	refs  int
	idle  *time.Timer // removes the entry once it has lingered unheld
}

// codeRef is a held reference to an extracted package.
type codeRef struct {
	sum [sha256.Size]byte
	dir string
}

// acquire returns a reference to the directory holding the bootstrap of
// the package code, extracting it (extractBootstrap) unless an entry
// exists. The caller releases it.
func (c *bootstrapCache) acquire(code []byte) (codeRef, error) {
	sum := sha256.Sum256(code)
	c.mu.Lock()
	e := c.entries[sum]
	if e == nil {
		e = &bootstrapEntry{ready: make(chan struct{})}
		c.entries[sum] = e
		root, err := c.rootLocked()
		c.mu.Unlock()
		if err == nil {
			e.dir = filepath.Join(root, hex.EncodeToString(sum[:]))
			err = extractBootstrap(code, e.dir)
		}
		c.mu.Lock()
		if err != nil {
			e.err = err
			delete(c.entries, sum) // the next attempt tries again
			c.removeRootIfEmptyLocked()
		}
		close(e.ready)
	}
	if e.idle != nil {
		e.idle.Stop() // if it fired already, it finds the entry held
		e.idle = nil
	}
	e.refs++
	c.mu.Unlock()

	<-e.ready
	if e.err != nil {
		return codeRef{}, e.err
	}
	return codeRef{sum: sum, dir: e.dir}, nil
}

// hold takes one more reference to an acquired package.
func (c *bootstrapCache) hold(r codeRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[r.sum].refs++
}

// release gives back a reference; the last one removes the package's
// files.
func (c *bootstrapCache) release(r codeRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[r.sum]
	if e == nil || e.dir != r.dir {
		return
	}
	if e.refs--; e.refs > 0 {
		return
	}
	if c.linger <= 0 {
		c.removeLocked(r.sum, e)
		return
	}
	e.idle = time.AfterFunc(c.linger, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.entries[r.sum] == e && e.refs == 0 {
			c.removeLocked(r.sum, e)
		}
	})
}

// removeLocked removes an unheld entry and its files. Callers hold c.mu.
func (c *bootstrapCache) removeLocked(sum [sha256.Size]byte, e *bootstrapEntry) {
	delete(c.entries, sum)
	_ = os.RemoveAll(e.dir)
	c.removeRootIfEmptyLocked()
}

// rootLocked returns the process's directory, making it on first use.
func (c *bootstrapCache) rootLocked() (string, error) {
	if c.root == "" {
		sweepAbandoned()
		// The directory gets its sweepable name only once claimed, so
		// that no other process sweeps it in between.
		making, err := os.MkdirTemp("", makingPrefix)
		if err != nil {
			return "", err
		}
		unclaim, err := claimDir(making)
		if err != nil {
			unclaim = func() {} // no sweeping then; Close still removes it
		}
		dir := filepath.Join(filepath.Dir(making), rootPrefix+strings.TrimPrefix(filepath.Base(making), makingPrefix))
		if err := os.Rename(making, dir); err != nil {
			unclaim()
			_ = os.RemoveAll(making)
			return "", err
		}
		c.root, c.unclaim = dir, unclaim
	}
	return c.root, nil
}

// A process's directory is made as makingPrefix* and renamed rootPrefix*
// once claimed (sweepAbandoned).
const (
	makingPrefix = "awsemu-making-"
	rootPrefix   = "awsemu-lambda-"
	rootPattern  = rootPrefix + "*"
)

func (c *bootstrapCache) removeRootIfEmptyLocked() {
	if len(c.entries) == 0 && c.root != "" {
		_ = os.RemoveAll(c.root)
		c.unclaim()
		c.root = ""
	}
}
