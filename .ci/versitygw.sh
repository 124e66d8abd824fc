#!/usr/bin/env bash
# Throwaway S3-compatible server (versitygw) for the registry's S3 tests.
#
# Source it, then call s3_start; it installs versitygw with go install if
# missing, starts it on a free loopback port with a temp dir (posix backend,
# sidecar metadata, single-account mode), creates a bucket and exports
# MLSEC_TEST_S3_URL plus the AWS credential variables gocloud's s3blob reads.
# s3_stop stops it and removes the dir (s3_start installs an EXIT trap that
# calls it, chained after any existing one, e.g. pg_stop):
#
#	. .ci/versitygw.sh && s3_start
#	go test ./registry/...
#
# Run directly (bash .ci/versitygw.sh) it starts the server, prints the
# export lines and the stop command, and leaves it running.

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"

s3_free_port() {
	python3 - 2>/dev/null <<'EOF' || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

s3_bin() {
	local b
	b="$(command -v versitygw 2>/dev/null || true)"
	if [ -z "$b" ] && [ -x "$(go env GOPATH)/bin/versitygw" ]; then
		b="$(go env GOPATH)/bin/versitygw"
	fi
	echo "$b"
}

s3_start() {
	local bin
	bin="$(s3_bin)"
	if [ -z "$bin" ]; then
		echo "== installing versitygw $VERSITYGW_VERSION (go install)" >&2
		go install "github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}" </dev/null >&2 || return 1
		bin="$(s3_bin)"
	fi
	if [ -z "$bin" ]; then
		echo "versitygw.sh: versitygw not found after go install" >&2
		return 1
	fi
	S3_TMPDIR="$(mktemp -d /tmp/mlsec-s3.XXXXXX)"
	mkdir -p "$S3_TMPDIR/root" "$S3_TMPDIR/meta"
	S3_PORT="$(s3_free_port)"
	S3_ACCESS="mlsec-test"
	S3_SECRET="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	S3_BUCKET="mlsec-test"
	# Always bind loopback: versitygw's default --port :7070 is every interface.
	"$bin" --port "127.0.0.1:$S3_PORT" --access "$S3_ACCESS" --secret "$S3_SECRET" --quiet \
		posix --sidecar "$S3_TMPDIR/meta" "$S3_TMPDIR/root" \
		>"$S3_TMPDIR/server.log" 2>&1 </dev/null &
	S3_PID=$!
	local endpoint="http://127.0.0.1:$S3_PORT" i
	for i in $(seq 1 100); do
		if curl -s -o /dev/null "$endpoint/"; then
			break
		fi
		if ! kill -0 "$S3_PID" 2>/dev/null; then
			cat "$S3_TMPDIR/server.log" >&2
			s3_stop
			return 1
		fi
		sleep 0.1
	done
	# CreateBucket, signed with SigV4 by curl (no AWS CLI needed).
	# versitygw requires x-amz-content-sha256 (here: of the empty body).
	curl -sS -f -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS:$S3_SECRET" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		"$endpoint/$S3_BUCKET" >&2 || {
		echo "versitygw.sh: create bucket failed" >&2
		cat "$S3_TMPDIR/server.log" >&2
		s3_stop
		return 1
	}
	export S3_TMPDIR S3_PORT S3_PID
	export AWS_ACCESS_KEY_ID="$S3_ACCESS" AWS_SECRET_ACCESS_KEY="$S3_SECRET" AWS_REGION=us-east-1
	export AWS_EC2_METADATA_DISABLED=true
	export MLSEC_TEST_S3_URL="s3://${S3_BUCKET}?region=us-east-1&endpoint=${endpoint}&use_path_style=true&disable_https=true"
	local prev
	prev="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")"
	# shellcheck disable=SC2064
	trap "s3_stop${prev:+; $prev}" EXIT
	echo "export AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1"
	echo "export MLSEC_TEST_S3_URL='$MLSEC_TEST_S3_URL'"
}

s3_stop() {
	if [ -n "${S3_PID:-}" ]; then
		kill "$S3_PID" 2>/dev/null || true
		wait "$S3_PID" 2>/dev/null || true
	fi
	if [ -n "${S3_TMPDIR:-}" ] && [ -d "$S3_TMPDIR" ]; then
		rm -rf "$S3_TMPDIR"
	fi
	unset MLSEC_TEST_S3_URL S3_TMPDIR S3_PID
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	s3_start
	trap - EXIT
	echo "# stop with: kill $S3_PID && rm -rf $S3_TMPDIR"
fi
