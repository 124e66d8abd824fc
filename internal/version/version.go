package version

import "runtime/debug"

// Version is set with -ldflags "-X github.com/mlsec/mlsec/internal/version.Version=v1.2.3".
var Version = "dev"

// Commit is the VCS revision, read from the build info when not stamped.
var Commit = ""

// String returns the version with the commit when known.
func String() string {
	c := Commit
	if c == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					c = s.Value[:12]
				}
			}
		}
	}
	if c == "" {
		return Version
	}
	return Version + " (" + c + ")"
}
