# The two commands a new user needs: `make herd-test` and `make test`. Both install what is missing.
SHELL := /bin/bash
NODE_STAMP := node_modules/.package-lock.json
HERD := node bin/herd.js
TEST_FILES = $(shell find test lib engine target build cli -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)

.PHONY: all install system-deps build typecheck test herd-test bench clean

all: build

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

install: $(NODE_STAMP)

# PostgreSQL (gate tests) and Chromium (report browser test), from Debian when missing.
system-deps:
	bash test/install-system-deps.sh

build: install
	$(HERD) build

typecheck: install
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p tsconfig.k6.json

test: install system-deps typecheck
	node --import tsx --test --test-concurrency=1 $(TEST_FILES)

# SCALE multiplies the event's 50,000 users: 0.04 (2,000 users) fits a 2-core laptop in about
# three minutes. SERVERS and PROFILE size the reference backend. TARGET points at a running backend instead of the reference one; K6 names a k6
# binary; GATE=1 runs the database gate first.
SCALE ?= 0.04
herd-test: install
	$(HERD) herd-test scenarios/live-event.yaml --scale $(SCALE) $(if $(TARGET),--target $(TARGET)) $(if $(SERVERS),--servers $(SERVERS)) $(if $(PROFILE),--profile $(PROFILE)) $(if $(K6),--k6 $(K6)) $(if $(GATE),--gate)

bench: install
	node --import tsx bench/run.ts

clean:
	rm -rf dist
