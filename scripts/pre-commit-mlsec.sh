#!/bin/sh
# pre-commit-mlsec.sh ARGS... runs mlsec ARGS for the pre-commit hooks of
# .pre-commit-hooks.yaml.
#
# pre-commit checks this repository out at the rev your config pins. When
# that rev is a release tag (rev: v1.2.3), the hook runs that release's
# binary (scripts/install-mlsec.sh downloads it once and checks its
# SHA-256); otherwise (rev: main, a commit) it builds mlsec from this
# checkout with the Go on PATH, once per commit. Binaries are cached under
# ${XDG_CACHE_HOME:-~/.cache}/mlsec/bin. MLSEC_VERSION overrides the choice
# (a tag, or main to build from source).
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"
version="${MLSEC_VERSION:-}"
if [ -z "$version" ]; then
	version="$(git -C "$here" describe --tags --exact-match HEAD 2>/dev/null || true)"
fi
case "$version" in
v[0-9]*) key="$version" ;;
*)
	version=main
	key="source-$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
	;;
esac
dir="${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/bin/$key"
bin="$dir/mlsec"
[ -x "$bin" ] || [ -x "$bin.exe" ] || "$here/scripts/install-mlsec.sh" "$version" "$dir"
[ -x "$bin" ] || bin="$bin.exe"
exec "$bin" "$@"
