# Shared by the loopback server benchmarks (bench/gateway.sh,
# bench/guard-gateway.sh); source it from the repository root. It makes
# WORK (a temporary folder), kills every process id added to PIDS and
# removes WORK on exit, builds mlsec and bench/gateway into WORK, and
# defines free_port and wait_port.
WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

go build -o "$WORK/mlsec" ./cmd/mlsec
go build -o "$WORK/bench" ./bench/gateway

# free_port prints a loopback port nothing listens on.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# wait_port waits up to 10 s for an HTTP server on the port.
wait_port() {
	local i
	for i in $(seq 1 200); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.05
	done
	echo "nothing listens on $1" >&2
	exit 1
}
