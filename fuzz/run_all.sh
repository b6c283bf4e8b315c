#!/bin/bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) from its committed
# seeds (fuzz/corpus/<target>/, read-only) plus a working corpus in the
# build folder, and prints executions, coverage and crashes per target.
# Usage: fuzz/run_all.sh BUILD_DIR [SECONDS] [TARGET...]
set -euo pipefail
build=${1:?usage: fuzz/run_all.sh BUILD_DIR [SECONDS] [TARGET...]}
seconds=${2:-60}
shift 2 || shift $#
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_idx_import fuzz_archive_import fuzz_image_decode fuzz_job_spec
           fuzz_event_log fuzz_embed_inputs)
fi
here=$(cd "$(dirname "$0")" && pwd)
failed=0
printf '%-22s %12s %8s %8s %s\n' target executions cov ft result
for target in "${targets[@]}"; do
  work="$build/fuzz-work/$target"
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/log.txt"
  status=ok
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
      -rss_limit_mb=2048 -timeout=20 -max_len=262144 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" "$here/corpus/$target" \
      > "$log" 2>&1; then
    status="CRASH (see $work/artifacts/ and $log)"
    failed=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo ?)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo ?)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo ?)
  printf '%-22s %12s %8s %8s %s\n' "$target" "$execs" "$cov" "$ft" "$status"
done
exit $failed
