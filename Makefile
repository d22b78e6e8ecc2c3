# Taiwa — the two commands: `make run` and `make test`.
GO        ?= go
PKGS      := ./...
DATA_DIR  ?= .data
ADDR      ?= 127.0.0.1:8080
BENCHTIME ?= 5x

.PHONY: run test bench build lint vet fmt-check tools clean

## run: local PostgreSQL under .data/, migrate, demo data, serve on http://127.0.0.1:8080
run: tools-run
	$(GO) run ./cmd/taiwa dev --addr $(ADDR) --data-dir $(DATA_DIR) --seed demo

## test: lint, then every test against real throwaway dependencies (race detector on)
test: tools-test lint
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## bench: benchmarks against real dependencies; figures go to docs/benchmarks.md
bench: tools-run
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem -timeout 60m $(PKGS)

## build: the taiwa binary in bin/
build:
	$(GO) build -o bin/taiwa ./cmd/taiwa

lint: fmt-check vet
	$(GO) tool staticcheck $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l cmd internal migrations web); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

tools-run:
	@.ci/ensure-tools postgres

tools-test:
	@.ci/ensure-tools postgres chromium fonts

clean:
	rm -rf bin test-artifacts
