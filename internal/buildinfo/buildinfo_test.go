package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestNeverDevel(t *testing.T) {
	for _, tc := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "0.0.0-dev"},
		{&debug.BuildInfo{Main: debug.Module{Version: ""}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}}}, "0.0.0-dev+0123456789ab"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
	} {
		if got := fromBuildInfo(tc.info); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.info.Main, got, tc.want)
		}
	}
	if v := String(); strings.Contains(v, "devel") || v == "" {
		t.Errorf("String() = %q", v)
	}
}

func TestStampedWins(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "v2.0.1"
	if String() != "v2.0.1" || Semantic() != "2.0.1" {
		t.Errorf("String %q Semantic %q", String(), Semantic())
	}
}
