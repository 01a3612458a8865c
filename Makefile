# The entry points people and CI use. Each target runs the steps it needs, so `make up` and
# `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_TEST_FLAGS ?=

.PHONY: help setup build up test bench clean gen-schema

help:
	@echo "make up     set up, build, and run weft on the embedded default"
	@echo "make test   set up, build, and run every test"
	@echo "make bench  set up, build, and run the benchmarks (with softflowd/pmacctd side by side)"
	@echo "make setup  install missing Debian packages (as root) and npm dependencies"
	@echo "make build  compile the TypeScript, the eBPF objects (clang) and the native bridge (node-gyp)"
	@echo "make gen-schema  regenerate the TypeScript types, protobuf encoder and docs/schema.md from schema/weft/v1/weft.proto"

setup:
	@scripts/setup.sh

build: setup
	@npx tsc -p tsconfig.json
	@scripts/build-bpf.sh
	@scripts/build-native.sh

up: build
	@bin/weft up

test: build
	@node scripts/run-tests.mjs $(NODE_TEST_FLAGS)

bench: build
	@node dist/bench/run.js

# After editing schema/weft/v1/weft.proto (then make build). The compile may fail until the
# generated files are new — tsc still writes the generator — hence `-`.
gen-schema:
	-@npx tsc -p tsconfig.json
	@node dist/scripts/gen-schema.js

clean:
	rm -rf dist bench/out
