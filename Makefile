# The two commands a user needs (README): `make demo` and `make test`.
# Both install the Debian dependencies first (a no-op once present).
BUILD_DIR ?= build
JOBS ?= 2
SOURCES = $(shell git ls-files '*.h' '*.cc')
# Code clang can parse without torch: linted with -Wthread-safety, which g++
# ignores (STYLE.md, leveldb).
LINT_SOURCES = $(shell git ls-files 'server/*.cc' 'client/*.cc' 'core/common/*.cc' 'proto/*.cc')

.PHONY: all deps configure build test demo bench format lint clean fuzz test-sanitize

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

# libFuzzer targets (clang, ASan + UBSan, torch-free) from the committed
# seeds, FUZZ_SECONDS each (fuzz/run_all.sh; docs/development.md).
FUZZ_SECONDS ?= 60
FUZZ_DIR ?= build-fuzz
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer
CLANG = -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMCLR_TORCH_FREE=ON
fuzz: deps
	@cmake -S . -B $(FUZZ_DIR) -G Ninja $(CLANG) -DSIMCLR_FUZZ=ON -DSIMCLR_BUILD_TESTS=OFF \
	  "-DCMAKE_CXX_FLAGS=$(SANITIZE_FLAGS) -fsanitize=fuzzer-no-link" > /dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	fuzz/run_all.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# The torch-free unit tests under ASan + UBSan and under TSan (clang), and
# every unit test binary under ASan + UBSan (g++), each a build of its own
# (scripts/test_sanitize.sh; docs/development.md).
test-sanitize: deps
	scripts/test_sanitize.sh $(JOBS)

format:
	clang-format -i $(SOURCES)

lint: build
	clang-tidy -p $(BUILD_DIR) --quiet --warnings-as-errors='*' \
	  --extra-arg=-Wthread-safety \
	  --extra-arg=-Werror=thread-safety $(LINT_SOURCES)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) build-asan build-tsan build-asan-all
