#!/usr/bin/env bash
# Compiler launcher for bench/build_time.sh: runs one compile under GNU time
# and appends "<peak RSS KiB> <seconds> <output file>" to $SIMCLR_COMPILE_LOG.
out="?"
prev=""
for arg in "$@"; do
  [[ "$prev" == "-o" ]] && out="$arg"
  prev="$arg"
done
exec /usr/bin/time -a -o "$SIMCLR_COMPILE_LOG" -f "%M %e $out" "$@"
