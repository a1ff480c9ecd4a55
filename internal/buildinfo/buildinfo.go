// Package buildinfo holds the version stamped into rootguard at build time.
package buildinfo

import "runtime/debug"

// Version is set with -ldflags "-X github.com/rootguard/rootguard/internal/buildinfo.Version=v1.2.3".
var Version = ""

// String returns the stamped version, or the module version and VCS revision
// recorded by the Go toolchain when nothing was stamped.
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
