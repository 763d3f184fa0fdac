#!/usr/bin/env bash
# Runs the micro-benchmark of two builds alternately in one script (before, after, before, after), so that a change's
# effect can be told from the machine's drift. Build each into its own folder first, e.g.
#   git worktree add /tmp/wt-before <commit> && dotnet build /tmp/wt-before/bench/E3Sharp.Bench -c Release -o /tmp/bench-before
#   dotnet build bench/E3Sharp.Bench -c Release -o /tmp/bench-after
# Usage: bash bench/compare-builds.sh /tmp/bench-before /tmp/bench-after [bench arguments]
set -euo pipefail
before=$1; after=$2; shift 2
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(--quick --dtypes f32,f64 --batches 64,4096)
cd "$(dirname "$0")/.."
for round in 1 2; do
  for build in "$before" "$after"; do
    echo "=== $build round $round $(date +%T)"
    dotnet "$build/E3Sharp.Bench.dll" "${args[@]}"
  done
done
