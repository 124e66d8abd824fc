#!/bin/sh
# install-mlsec.sh VERSION DEST_DIR
#
# Puts an mlsec binary in DEST_DIR, for the GitHub Action and the pre-commit
# hooks:
#
#   - VERSION is a release tag (v1.2.3): download that release's archive for
#     this OS and CPU and its checksums.txt from MLSEC_RELEASE_URL (default
#     https://github.com/mlsec/mlsec/releases/download), check the archive's
#     SHA-256 against checksums.txt, and unpack mlsec. No Go toolchain is
#     needed and nothing is compiled.
#   - VERSION is empty, "main" or "source": build ./cmd/mlsec from the
#     repository this script is in (MLSEC_SOURCE overrides it), with the Go
#     on PATH.
#
# The archive names follow .goreleaser.yaml (archives.name_template):
# mlsec_<version without v>_<os>_<arch>.tar.gz (.zip on Windows). Exits
# non-zero, naming the reason, on any failure: a binary that does not match
# its checksum is never installed.
set -eu

version="${1:-}"
dest="${2:?usage: install-mlsec.sh VERSION DEST_DIR}"
here="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$dest"

case "$version" in
"" | main | source)
	src="${MLSEC_SOURCE:-$here}"
	echo "mlsec: building from source in $src" >&2
	(cd "$src" && go build -o "$dest/mlsec" ./cmd/mlsec)
	exit 0
	;;
v[0-9]*) ;;
*)
	echo "install-mlsec: version $version: want a release tag like v1.2.3, or main" >&2
	exit 2
	;;
esac

os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$os" in
linux | darwin) ext=tar.gz ;;
mingw* | msys* | cygwin* | windows*) os=windows ext=zip ;;
*)
	echo "install-mlsec: no release for OS $os; use version main to build from source" >&2
	exit 2
	;;
esac
arch="$(uname -m)"
case "$arch" in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*)
	echo "install-mlsec: no release for CPU $arch; use version main to build from source" >&2
	exit 2
	;;
esac

base="${MLSEC_RELEASE_URL:-https://github.com/mlsec/mlsec/releases/download}/$version"
archive="mlsec_${version#v}_${os}_${arch}.$ext"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for f in "$archive" checksums.txt; do
	if ! curl -fsSL --retry 3 -o "$tmp/$f" "$base/$f"; then
		echo "install-mlsec: cannot download $base/$f" >&2
		exit 1
	fi
done
want="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")"
if [ -z "$want" ]; then
	echo "install-mlsec: $archive is not listed in checksums.txt" >&2
	exit 1
fi
if command -v sha256sum >/dev/null 2>&1; then
	got="$(sha256sum "$tmp/$archive" | awk '{ print $1 }')"
else
	got="$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')"
fi
if [ "$got" != "$want" ]; then
	echo "install-mlsec: $archive has SHA-256 $got, checksums.txt says $want: not installed" >&2
	exit 1
fi
bin=mlsec
if [ "$ext" = zip ]; then
	bin=mlsec.exe
	unzip -q -o "$tmp/$archive" "$bin" -d "$tmp/out"
else
	mkdir -p "$tmp/out"
	tar -xzf "$tmp/$archive" -C "$tmp/out" "$bin"
fi
mv "$tmp/out/$bin" "$dest/$bin"
chmod 0755 "$dest/$bin"
echo "mlsec: installed release $version ($os/$arch) in $dest" >&2
