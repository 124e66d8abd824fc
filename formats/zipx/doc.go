// Package zipx reads ZIP archives the way PyTorch's loader (miniz) does,
// not the way Python's zipfile or Go's archive/zip do.
//
// A scanner must see what the loader sees. PyTorch trusts the central
// directory, takes each member's data offset from its local header and
// ignores the local name, the general-purpose flags and the CRC. Python's
// zipfile refuses such archives, so scanners built on it have been bypassed
// (CVE-2025-1944, CVE-2025-1945, CVE-2025-10156); archive/zip refuses them
// too. zipx accepts them, records every inconsistency as an Anomaly for the
// caller to report, tolerates data prepended to the archive (self-extracting
// stubs, pickle+ZIP polyglots), finds every end-of-central-directory record
// in the tail, and never lets one corrupt member hide the others. Every
// length field is checked against the file size before anything is
// allocated, and the caller bounds entry counts and decompressed sizes.
package zipx
