# ktrim — see README.md. `make demo` and `make test` install what is missing.
SHELL := /bin/bash
NODE  := node
JEST  := $(NODE) --experimental-vm-modules node_modules/jest/bin/jest.js
export KTRIM_CACHE ?= $(HOME)/.cache/ktrim

.PHONY: all build deps debs demo test unit e2e typecheck lint format bench fixtures source clean

all: build

# npm packages: reinstalled only when the lock file changes.
node_modules/.ktrim-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

deps: node_modules/.ktrim-installed

# Debian packages the end-to-end tests and the demo need (qemu, kernel source, ...).
debs:
	scripts/install-debs.sh

build: deps
	npx tsc -p tsconfig.build.json

typecheck: deps
	npx tsc --noEmit

# eslint (typescript-eslint) and prettier, both must be clean; `make format` rewrites.
lint: deps
	npx eslint .
	npx prettier --check .

format: deps
	npx prettier --write .

# The closed loop on a small kernel: `ktrim minimize` of configs/demo-start.config
# (the seed study's bloat switched on) on Debian's linux-source-6.1. The search
# stops at DEMO_BUDGET and writes what it decided; a second `make demo` answers
# from the journal (--resume). Start over: rm -rf $(DEMO_OUT).
DEMO_OUT    ?= $(KTRIM_CACHE)/demo
DEMO_BUDGET ?= 5m
demo: debs deps build
	@src=$$($(NODE) bin/ktrim source debian --series 6.1 -q) && \
	echo "I: ktrim minimize of configs/demo-start.config on $$src (outputs in $(DEMO_OUT))" && \
	$(NODE) bin/ktrim minimize --source "$$src" --config configs/demo-start.config \
		--out $(DEMO_OUT) --budget-time $(DEMO_BUDGET) --resume && \
	echo "I: report: $(DEMO_OUT)/report.md (and report.html); trimmed config: $(DEMO_OUT)/trimmed.config"

# Fast inner loop: pure models and fakes only.
unit: deps build
	$(JEST) test/unit

# Everything: type check, unit tests, then the end-to-end tests (real make,
# real qemu, real Chromium) one at a time so they do not fight for 2 cores.
test: debs deps build typecheck lint
	@rm -f .test-tally; export KTRIM_TEST_TALLY=$$PWD/.test-tally; status=0; \
	$(JEST) test/unit || status=1; \
	$(JEST) --runInBand test/e2e || status=1; \
	awk '{p+=$$1; f+=$$2; s+=$$3} END {printf "make test: %d passed, %d failed, %d skipped\n", p, f, s}' .test-tally; \
	rm -f .test-tally; exit $$status

e2e: debs deps build
	$(JEST) --runInBand test/e2e

bench: deps build
	@for b in bench/*.bench.mjs; do echo "== $$b"; $(NODE) $$b || exit $$?; done

# Regenerate the real-boot fixtures (downloads Debian kernels, boots them in qemu).
fixtures: debs
	test/fixtures/regen.sh

# Unpack Debian's linux-source-6.1 and -6.12 into the cache and print where.
source: debs build
	$(NODE) bin/ktrim source debian --series 6.1
	$(NODE) bin/ktrim source debian --series 6.12

clean:
	rm -rf dist
