#!/bin/bash
# make test-sanitize, three builds of their own, each run; any report
# fails (halt_on_error):
# 1. the torch-free unit tests (proto, core/common, core/spec, the codec,
#    the server core: stores, jobs with a fake launcher, paging) with clang
#    under ASan + UBSan;
# 2. the same under TSan;
# 3. every unit test binary, LibTorch ones too, with g++ under ASan + UBSan
#    (LibTorch itself is not instrumented; its leaks at exit are not ours,
#    so leak checking is off there).
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
echo "== build-asan-all: every unit test binary, g++, -fsanitize=address,undefined"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan-all -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=$flags" > /dev/null
cmake --build build-asan-all -j "$jobs" --target core_common_test core_spec_test core_codec_test \
  core_augment_test core_runtime_test core_data_test core_models_test core_inference_test \
  core_train_test core_eval_test core_worker_test server_test server_metrics_test proto_test \
  client_test
for test in build-asan-all/tests/*_test; do
  echo "-- $test"
  SIMCLR_SOURCE_DIR=$PWD ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$test" --gtest_brief=1
done
echo "test-sanitize: ASan+UBSan (torch-free and all unit tests) and TSan runs clean"
