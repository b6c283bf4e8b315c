#!/usr/bin/env bash
# Build-speed benchmark (issue 2): clean build, ccache-warm rebuild and the
# incremental rebuild after touching one core .cpp, all with -j2, plus the
# peak memory of each compile. Builds in its own folder; leaves build/ alone.
#
#   bench/build_time.sh [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${1:-2}
DIR=build-bench
LOG=$(mktemp)
export SIMCLR_COMPILE_LOG=$LOG

configure() {
  rm -rf "$DIR"
  cmake -S . -B "$DIR" -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER="$1" > /dev/null
}
timed_build() {
  local start end
  start=$(date +%s.%N)
  cmake --build "$DIR" -j "$JOBS" > /dev/null
  end=$(date +%s.%N)
  printf "%.1f" "$(echo "$end - $start" | bc)"
}

# 1. Clean build without ccache, every compile measured.
configure "$PWD/bench/tools/measure_compile.sh"
clean=$(CCACHE_DISABLE=1 timed_build)
compiles=$(wc -l < "$LOG")
peak_kib=$(sort -n "$LOG" | tail -1 | cut -d' ' -f1)
top=$(sort -rn "$LOG" | head -5)

# 2. Clean build again through ccache, twice: the first fills the cache,
#    the second is what a developer sees after `make clean`.
CCACHE="/usr/bin/env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;ccache"
configure "$CCACHE"
timed_build > /dev/null
configure "$CCACHE"
warm=$(timed_build)

# 3. Incremental: a real edit (new content, so ccache cannot hit) of one
#    core source file, then the rebuild; the file is restored afterwards.
EDITED=core/runtime/device.cc
cp "$EDITED" "$LOG.orig"
trap 'cp "$LOG.orig" "$EDITED"; rm -f "$LOG.orig"' EXIT
echo "// build_time.sh edit $(date +%s%N)" >> "$EDITED"
incremental=$(timed_build)
cp "$LOG.orig" "$EDITED"
rm -rf "$DIR" "$LOG"

ratio() { printf "%.3f" "$(echo "scale=4; $1 / $2" | bc)"; }
cat <<REPORT
Build speed, -j$JOBS, $(nproc) cores, $(date -u +%F), commit $(git rev-parse --short HEAD)

| build                                   | seconds | vs clean |
|-----------------------------------------|--------:|---------:|
| clean, no ccache ($compiles compiles)   | $clean | 1.000 |
| clean, ccache warm                      | $warm | $(ratio "$warm" "$clean") |
| incremental, one edit of $EDITED | $incremental | $(ratio "$incremental" "$clean") |

Peak memory of one compile: $((peak_kib / 1024)) MiB. The five largest
(KiB, seconds, object):
$top
REPORT
