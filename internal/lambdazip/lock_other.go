//go:build !unix

package lambdazip

import (
	"context"
	"errors"
)

// lock has no advisory file lock to take here, so Build does not cache.
func lock(context.Context, string) (func(), error) {
	return nil, errors.New("lambdazip cache: no flock on this system")
}
