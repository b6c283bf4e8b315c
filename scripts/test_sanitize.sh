#!/bin/bash
# make test-sanitize: the torch-free unit tests (proto, core/common,
# core/spec, the codec, the server core: stores, jobs with a fake launcher,
# paging) built with clang under ASan + UBSan, then under TSan, each in a
# build folder of its own, and run. Any report fails the run
# (halt_on_error); LibTorch is not instrumented, so its tests are left out.
# Usage: scripts/test_sanitize.sh [JOBS]
set -euo pipefail
jobs=${1:-2}
clang=(-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
       -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMCLR_TORCH_FREE=ON)
run() {  # run NAME FLAGS CMAKE_OPTION ENV...
  local dir="build-$1" flags="$2" option="$3"
  shift 3
  echo "== $dir: $flags"
  cmake -S . -B "$dir" -G Ninja "${clang[@]}" "-DCMAKE_CXX_FLAGS=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=$flags" "$option" > /dev/null
  cmake --build "$dir" -j "$jobs"
  env "$@" ctest --test-dir "$dir" -j "$jobs" --output-on-failure
}
run asan "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  -DSIMCLR_TSAN=OFF ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Debian's Abseil is not TSan-built: tests/testing/tsan_absl_mutex.cc
# annotates absl::Mutex; tests/tsan.supp names the one report in a library.
run tsan "-fsanitize=thread -fno-omit-frame-pointer" -DSIMCLR_TSAN=ON \
  "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"
echo "test-sanitize: ASan+UBSan and TSan runs clean"
