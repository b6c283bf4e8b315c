#!/usr/bin/env python3
"""Self time per operator from a LibTorch profiler trace (chrome://tracing).

  profile_summary.py TRACE [--top 20] [--steps N]

Self time = an event's duration minus that of the events nested directly
inside it on the same thread, so `aten::conv2d` does not also count the
`mkldnn_convolution` it calls. Shares are of all self time on all threads.
"""
import argparse
import collections
import json


def self_times(events):
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[e.get("tid")].append(e)
    totals = collections.Counter()
    calls = collections.Counter()
    for thread_events in by_thread.values():
        # Outer events first at equal start: the longer one encloses.
        thread_events.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        def close(entry):
            end, name, start, child = entry
            totals[name] += (end - start) - child
        for e in thread_events:
            start, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][0] <= start:
                close(stack.pop())
            if stack:
                stack[-1][3] += dur
            stack.append([start + dur, e["name"], start, 0.0])
            calls[e["name"]] += 1
        while stack:
            close(stack.pop())
    return totals, calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--steps", type=int, default=1,
                        help="steps in the trace, to print time per step")
    args = parser.parse_args()
    with open(args.trace) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    totals, calls = self_times(events)
    whole = sum(totals.values()) or 1.0
    print(f"{'operator':<44}{'ms/step':>10}{'share':>8}{'calls/step':>12}")
    for name, us in totals.most_common(args.top):
        print(f"{name[:43]:<44}{us / 1000 / args.steps:>10.2f}"
              f"{100 * us / whole:>7.1f}%{calls[name] / args.steps:>12.1f}")
    print(f"{'all operators':<44}{whole / 1000 / args.steps:>10.2f}")


if __name__ == "__main__":
    main()
