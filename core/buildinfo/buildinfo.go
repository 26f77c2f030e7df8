// Package buildinfo says which build of cyberstreams is running: the
// version a release stamped into the binary, else what the Go toolchain
// recorded when it built it (the module version, the VCS revision and its
// time, and whether the working tree had uncommitted changes).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info describes the running binary.
type Info struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"revision_time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// Unstamped is the version of a binary nobody stamped and the toolchain
// knew nothing about.
const Unstamped = "dev"

// Read describes the running binary. stamped is the version a release
// build set with -ldflags "-X main.version=…" (goreleaser does): it wins
// when set; Unstamped or "" means none was.
func Read(stamped string) Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return describe(bi, stamped)
}

func describe(bi *debug.BuildInfo, stamped string) Info {
	info := Info{Version: Unstamped, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			info.Go = bi.GoVersion
		}
		// go install module@version records the version; go build (Go
		// 1.24 on) a pseudo-version from the VCS, or "(devel)" without one.
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if stamped != "" && stamped != Unstamped {
		info.Version = stamped
	}
	return info
}

// String is one line: "v1.2.0 (revision 0123456789ab of 2026-12-07T03:00:00Z,
// modified; go1.26.0, linux/amd64)".
func (i Info) String() string {
	s := i.Version + " ("
	if i.Revision != "" {
		rev := i.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += "revision " + rev
		if i.Time != "" {
			s += " of " + i.Time
		}
		if i.Modified {
			s += ", modified"
		}
		s += "; "
	}
	return s + i.Go + ", " + i.Platform + ")"
}
