# mlsec build, test and lint entry points. `make test` is the one command that
# runs the whole test suite; .ci/run runs it after the format and lint checks.

GO ?= go
# staticcheck 2026.2.2; the first release line that supports Go 1.26.
STATICCHECK_VERSION := v0.8.2
FUZZTIME ?= 10s
# go-gremlins mutation testing (docs/mutation.md). Pinned: the newest
# release the module proxy serves.
GREMLINS_VERSION := v0.6.0
# The security-critical packages, one gremlins run each (MUTATE_PKGS=./audit
# for one). scan is limited to its pickle rules, registry to its
# authorization and governance files (its subpackages run on their own);
# the mutate build tag leaves out tests that check crash safety, not rules.
MUTATE_PKGS ?= ./audit ./sign ./manifest ./policy ./pickle ./scan ./registry ./registry/server
# One worker, one CPU per test run and a generous timeout: the machine is
# shared, and a mutant that only times out because of load is not a kill.
MUTATE_WORKERS ?= 1
MUTATE_TIMEOUT_COEFFICIENT ?= 10
MUTATE_OUT ?= bin/mutation

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
PKG := github.com/mlsec/mlsec
LDFLAGS := -s -w -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT)

.PHONY: all build test test-race lint fmt-check vet staticcheck fuzz-smoke bench examples mutate clean

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

## mutate: go-gremlins over the security-critical packages, one at a time;
## JSON results in $(MUTATE_OUT)/, scores summarised per package
mutate:
	$(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION)
	@mkdir -p $(MUTATE_OUT)
	@set -ef; g="$$($(GO) env GOPATH)/bin/gremlins"; for p in $(MUTATE_PKGS); do \
		name=$$(echo "$$p" | sed 's|^\./||; s|/|_|g'); \
		excl=""; if [ "$$name" = scan ]; then excl='-E (^|/)(archive|doc|engine|evidence|finding|format|gguf|json|keras|numpy|onnx|promise|python|rules|ruleset|safetensors|savedmodel|sniff|spool|walk|xml|yaml|zip)\.go$$ -E (^|/)output/'; fi; \
		if [ "$$name" = registry ]; then excl='-E (^|/)(blob|client|egress|policyeval|server|sso|store|worker)/ -E (^|/)(aliases|analysis|baseline|doc|errors|merkle_auditor|merkle_batch|paths|profiles|records|sealed|secrets|service|ssotokens|stage|store|tokencache|types|webhooks|webui)\.go$$'; fi; \
		echo "== gremlins $$p"; \
		"$$g" unleash --workers $(MUTATE_WORKERS) --test-cpu 1 --timeout-coefficient $(MUTATE_TIMEOUT_COEFFICIENT) \
			--invert-logical --tags mutate $$excl -o "$(MUTATE_OUT)/$$name.json" "$$p" | tee "$(MUTATE_OUT)/$$name.txt" | grep -E 'LIVED|TIMED OUT|Killed:|Test efficacy|Mutator coverage'; \
	done

## examples: regenerate examples/malicious from examples/gen
examples:
	$(GO) run ./examples/gen

clean:
	rm -rf bin
