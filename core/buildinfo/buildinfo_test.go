package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-07T03:00:00Z"},
		{Key: "vcs.modified", Value: "true"}, {Key: "-trimpath", Value: "true"}}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name    string
		bi      *debug.BuildInfo
		stamped string
		want    Info
		line    string
	}{
		{"no build info", nil, "dev", Info{Version: "dev", Go: runtime.Version(), Platform: platform}, "dev (" + runtime.Version()},
		{"go build without VCS", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "dev",
			Info{Version: "dev", Go: "go1.26.0", Platform: platform}, "dev (go1.26.0, " + platform + ")"},
		{"go build in a checkout", &debug.BuildInfo{GoVersion: "go1.26.0",
			Main: debug.Module{Version: "v0.0.0-20261207030000-0123456789ab+dirty"}, Settings: vcs}, "dev",
			Info{Version: "v0.0.0-20261207030000-0123456789ab+dirty", Revision: "0123456789abcdef0123", Time: "2026-12-07T03:00:00Z",
				Modified: true, Go: "go1.26.0", Platform: platform},
			"v0.0.0-20261207030000-0123456789ab+dirty (revision 0123456789ab of 2026-12-07T03:00:00Z, modified; go1.26.0"},
		{"go install module@version", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}}, "",
			Info{Version: "v1.4.0", Go: "go1.26.0", Platform: platform}, "v1.4.0 (go1.26.0"},
		{"release stamp wins", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}, Settings: vcs[:2]}, "1.5.0",
			Info{Version: "1.5.0", Revision: "0123456789abcdef0123", Time: "2026-12-07T03:00:00Z", Go: "go1.26.0", Platform: platform},
			"1.5.0 (revision 0123456789ab of 2026-12-07T03:00:00Z; go1.26.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(tt.bi, tt.stamped)
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			if !strings.HasPrefix(got.String(), tt.line) {
				t.Fatalf("line %q, want it to start %q", got.String(), tt.line)
			}
		})
	}
}
