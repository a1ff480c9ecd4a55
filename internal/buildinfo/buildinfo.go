// Package buildinfo holds the version stamped into rootguard at build time.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version is set with -ldflags "-X github.com/rootguard/rootguard/internal/buildinfo.Version=v1.2.3"
// (a release build always does this).
var Version = ""

// Unreleased is the version of a build that was neither stamped nor built
// from a module version: a semantic-version pre-release that sorts before
// every release, never the Go toolchain's "(devel)".
const Unreleased = "0.0.0-dev"

// String returns the stamped version; else the module version the Go
// toolchain recorded (`go install …@v1.2.3`); else Unreleased, with the
// VCS revision as build metadata when the toolchain recorded one
// ("0.0.0-dev+0123456789ab").
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Unreleased
	}
	return fromBuildInfo(info)
}

func fromBuildInfo(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := Unreleased
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}

// Semantic is String as a semantic version without the "v" prefix
// ("1.2.3", "0.0.0-dev+0123456789ab"): it starts with a digit, as SARIF's
// tool version should (sarif-multitool SARIF2005).
func Semantic() string {
	return strings.TrimPrefix(String(), "v")
}
