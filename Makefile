# The customer desk. Every target works on a fresh machine: Go fetches the
# modules and the pinned templ generator; `make test` installs Chromium for
# the browser tests and PostgreSQL for the store tests when it can.
GO ?= go

.PHONY: help run test unit e2e generate check bench screenshots chromium postgres

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## the portal in demo mode on the built-in Apptivo simulator (http://127.0.0.1:8080)
	APPTIVO_DEMO=1 $(GO) run .

test: chromium postgres ## every test, the browser and PostgreSQL tests included, with the race detector
	$(GO) test -race -count=1 -skip '^TestSoak' ./...
	@# The soak tests (one desk; two desks on PostgreSQL) print their counts.
	$(GO) test -race -count=1 -run '^TestSoak' -v ./handlers/ .

unit: postgres ## every test except the browser tests
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /e2e)

e2e: chromium ## the browser tests only
	$(GO) test -count=1 -v ./e2e/

generate: ## regenerate the templ views
	$(GO) tool templ generate

check: ## generated code up to date, gofmt and go vet clean
	@before=$$(cat $$(find . -name '*_templ.go' | sort) | sha256sum); \
	$(GO) tool templ generate >/dev/null; \
	after=$$(cat $$(find . -name '*_templ.go' | sort) | sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "generated templ code was out of date: 'make generate' rewrote it; commit the result"; exit 1; fi
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

bench: postgres ## benchmarks (ratios against a baseline in the same run; the store's on SQLite and PostgreSQL)
	$(GO) test -run '^$$' -bench . -benchmem ./...

screenshots: chromium ## write PNGs of the key screens to docs/screenshots
	$(GO) test -count=1 -run TestScreenshots ./e2e/ -args -screenshots=$(CURDIR)/docs/screenshots

chromium: ## make sure Debian's chromium is installed (installs it when root)
	@e2e/ensure-chromium.sh

postgres: ## make sure Debian's postgresql is installed (installs it when root; tests start their own servers)
	@e2e/ensure-postgres.sh
