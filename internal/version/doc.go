// Package version holds build information stamped by the linker.
package version
