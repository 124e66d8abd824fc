# mlsec build, test and lint entry points. `make test` is the one command that
# runs the whole test suite; .ci/run runs it after the format and lint checks.

GO ?= go
# staticcheck 2026.2.2; the first release line that supports Go 1.26.
STATICCHECK_VERSION := v0.8.2
FUZZTIME ?= 10s

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
PKG := github.com/mlsec/mlsec
LDFLAGS := -s -w -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT)

.PHONY: all build test test-race lint fmt-check vet staticcheck fuzz-smoke bench examples clean

all: build

## build: bin/mlsec, stamped with the git version
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/mlsec ./cmd/mlsec

## test: the whole test suite. The PostgreSQL and S3 suites run when
## MLSEC_TEST_POSTGRES_URL / MLSEC_TEST_S3_URL are set (.ci/run starts both
## servers; CI fails instead of skipping); otherwise a one-line notice says
## which were skipped and how to run them.
test:
	@status=0; $(GO) test -count=1 -timeout 15m ./... || status=$$?; sh .ci/skipped-suites.sh; exit $$status

## test-race: the suite under the race detector (slower)
test-race:
	$(GO) test -count=1 -race -timeout 30m ./...

## lint: gofmt, go vet and staticcheck
lint: fmt-check vet staticcheck

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## fuzz-smoke: run every fuzz target for FUZZTIME each (default 10s)
fuzz-smoke:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
		dir=$$(dirname $$f); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "== $$dir $$name"; \
			$(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) ./$$dir; \
		done; \
	done

## bench: every benchmark, with allocations
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## examples: regenerate examples/malicious from examples/gen
examples:
	$(GO) run ./examples/gen

clean:
	rm -rf bin
