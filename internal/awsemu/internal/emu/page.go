package emu

import (
	"slices"
	"strings"
)

// PageByName returns, of items sorted by name, the page after token (the
// last name of the previous page) and the token for the next page, if any.
func PageByName[T any](sorted []T, name func(T) string, token string, limit int) ([]T, string) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}

	start := 0
	if token != "" {
		start, _ = slices.BinarySearchFunc(sorted, token, func(v T, t string) int { return strings.Compare(name(v), t) })
		if start < len(sorted) && name(sorted[start]) == token {
			start++
		}
	}

	end := min(start+limit, len(sorted))
	page := sorted[start:end]

	if end < len(sorted) && len(page) > 0 {
		return page, name(page[len(page)-1])
	}

	return page, ""
}
