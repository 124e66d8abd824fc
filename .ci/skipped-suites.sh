#!/bin/sh
# Prints one line naming the test suites 'make test' skipped for want of a
# server (PostgreSQL, S3) and how to include them; prints nothing when both
# ran. The suites skip on exactly these variables (internal/pgtest
# and s3test), and fail instead under CI=true, so CI never needs this line.
skipped=""
how=""
if [ -z "${MLSEC_TEST_POSTGRES_URL:-}" ]; then
	skipped="PostgreSQL (MLSEC_TEST_POSTGRES_URL unset)"
	how=". .ci/postgres.sh && pg_start"
fi
if [ -z "${MLSEC_TEST_S3_URL:-}" ]; then
	skipped="${skipped:+$skipped and }S3 (MLSEC_TEST_S3_URL unset)"
	how="${how:+$how; }. .ci/versitygw.sh && s3_start"
fi
if [ -n "$skipped" ]; then
	echo "notice: skipped the $skipped test suites; run '$how' first to include them"
fi
