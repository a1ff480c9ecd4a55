//go:build !unix

package lambda

import "errors"

// claimDir has no flock(2) here: the directory is removed on Close only.
func claimDir(string) (func(), error) { return nil, errors.New("no flock") }

// sweepAbandoned cannot tell an abandoned directory here.
func sweepAbandoned() {}
