# The two commands a user needs (README): `make demo` and `make test`.
# Both install the Debian dependencies first (a no-op once present).
BUILD_DIR ?= build
JOBS ?= 2
SOURCES = $(shell git ls-files '*.h' '*.cc')
# Code clang can parse without torch: linted with -Wthread-safety, which g++
# ignores (STYLE.md, leveldb).
LINT_SOURCES = $(shell git ls-files 'server/*.cc' 'client/*.cc' 'core/common/*.cc' 'proto/*.cc')

.PHONY: all deps configure build test demo bench format lint clean

all: build

deps:
	@scripts/install_deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja > /dev/null

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) -j $(JOBS) --output-on-failure

demo: build
	scripts/demo.sh $(BUILD_DIR)

# Every benchmark, bounded, into bench/results/<date>-<commit>.md (~20 min).
bench: build
	bench/run_all.sh $(BUILD_DIR)

format:
	clang-format -i $(SOURCES)

lint: build
	clang-tidy -p $(BUILD_DIR) --quiet --warnings-as-errors='*' \
	  --extra-arg=-Wthread-safety \
	  --extra-arg=-Werror=thread-safety $(LINT_SOURCES)

clean:
	rm -rf $(BUILD_DIR)
