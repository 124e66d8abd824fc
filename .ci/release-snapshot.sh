#!/usr/bin/env bash
# Proves .goreleaser.yaml: builds a snapshot release exactly as a release
# would be built (goreleaser release --snapshot --clean; the container image
# is skipped: no Docker engine here) and checks what it made: an archive for
# each of linux/darwin/windows x amd64/arm64, checksums.txt naming each one
# with its SHA-256, a CycloneDX SBOM per binary, and checksums.txt.sig, an
# OpenSSF Model Signing bundle over checksums.txt made with a throwaway key,
# which 'mlsec verify' accepts (and refuses once checksums.txt changes).
# Tools are pinned here and installed with go install.
#
# Usage: release-snapshot.sh [--targets all|host]
#   all  (default) the six release targets, exactly as a release.
#   host only this machine's GOOS/GOARCH, through the same pipeline
#        (archive, checksums, SBOM, signed checksum file, version); .ci/run
#        uses it because six full cross builds do not fit CI's time on 2
#        cores. 'goreleaser check' still validates the whole configuration.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=all
case "${1:-}" in
"") ;;
--targets) targets="${2:-}" ;;
--targets=*) targets="${1#--targets=}" ;;
*)
	echo "usage: $0 [--targets all|host]" >&2
	exit 2
	;;
esac
case "$targets" in
all | host) ;;
*)
	echo "--targets must be all or host, not '$targets'" >&2
	exit 2
	;;
esac

GORELEASER_VERSION=v2.17.0
CYCLONEDX_GOMOD_VERSION=v1.10.0

bin="$(go env GOPATH)/bin"
export PATH="$bin:$PATH"
if ! goreleaser --version 2>/dev/null | grep -q "${GORELEASER_VERSION#v}"; then
	go install "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}" </dev/null
fi
if ! cyclonedx-gomod version 2>/dev/null | grep -q "${CYCLONEDX_GOMOD_VERSION#v}"; then
	go install "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@${CYCLONEDX_GOMOD_VERSION}" </dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/mlsec" ./cmd/mlsec
"$work/mlsec" keygen -o "$work/release" >/dev/null
export MLSEC_RELEASE_KEY="$work/release.pem"

goreleaser check
config=.goreleaser.yaml
oses="linux darwin windows"
arches="amd64 arm64"
if [ "$targets" = host ]; then
	oses="$(go env GOOS)"
	arches="$(go env GOARCH)"
	# The same configuration with the build matrix narrowed to this machine.
	config="$work/goreleaser-host.yaml"
	sed -e "s/^    goos: \[.*\]$/    goos: [$oses]/" -e "s/^    goarch: \[.*\]$/    goarch: [$arches]/" .goreleaser.yaml >"$config"
	grep -q "^    goos: \[$oses\]$" "$config" || { echo "release snapshot: cannot narrow goos in .goreleaser.yaml" >&2; exit 1; }
	grep -q "^    goarch: \[$arches\]$" "$config" || { echo "release snapshot: cannot narrow goarch in .goreleaser.yaml" >&2; exit 1; }
fi
goreleaser release --snapshot --clean --skip=docker --config "$config" </dev/null

fail() {
	echo "release snapshot: $*" >&2
	exit 1
}
cd dist
want=0
for os in $oses; do
	for arch in $arches; do
		want=$((want + 1))
		ext=tar.gz
		[ "$os" = windows ] && ext=zip
		a="$(ls mlsec_*_"${os}_${arch}.$ext" 2>/dev/null | head -1)"
		[ -n "$a" ] || fail "no archive for $os/$arch"
		grep -q "  $a\$" checksums.txt || fail "$a is not in checksums.txt"
	done
done
sha256sum -c checksums.txt >/dev/null || fail "checksums.txt does not match the files"
n="$(ls ./*.cdx.json | wc -l)"
[ "$n" -ge "$want" ] || fail "$n SBOMs, want one per binary ($want)"
grep -q '"bomFormat": *"CycloneDX"' "$(ls ./*.cdx.json | head -1)" || fail "the SBOM is not CycloneDX"
"$work/mlsec" verify checksums.txt --key "$work/release.pub.pem" --signature checksums.txt.sig >/dev/null ||
	fail "checksums.txt.sig does not verify"
mkdir "$work/tampered"
cp checksums.txt "$work/tampered/checksums.txt"
echo "0000  extra" >>"$work/tampered/checksums.txt"
if "$work/mlsec" verify "$work/tampered/checksums.txt" --key "$work/release.pub.pem" --signature checksums.txt.sig >/dev/null 2>&1; then
	fail "the signature verifies a changed checksums.txt"
fi
host="$(go env GOOS)_$(go env GOARCH)"
if [ "$(go env GOOS)" != windows ]; then
	tar -xzf "$(ls mlsec_*_"$host".tar.gz)" -O mlsec >"$work/released" && chmod +x "$work/released"
	"$work/released" --version | grep -q snapshot || fail "the released binary does not report its version"
fi
echo "release snapshot: $want archive(s), checksums.txt, $n SBOMs and a verified checksums.txt.sig in dist/"
