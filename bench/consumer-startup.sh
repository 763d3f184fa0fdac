#!/usr/bin/env bash
# Start-up of a consumer of the E3Sharp package: the first construct + TorchScript.Compile of
# FullyConnectedTensorProduct("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e") in a fresh process, after
# LibTorch's own TorchScript start (the e3nn anchor loaded and run once), one LibTorch thread. Runs the consumer app
# that `E3SHARP_KEEP=1 bash build/test-package.sh` leaves (its bin/Debug/net10.0, built as `dotnet build` does) in
# interleaved rounds: with the package's E3Sharp.dll (ReadyToRun) and with the IL-only E3Sharp.dll of this clone's
# Release build swapped in (what the package shipped before). Results: bench/RESULTS.md.
# Usage: bash bench/consumer-startup.sh CONSUMER_FOLDER [ROUNDS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
app=$1/app/bin/Debug/net10.0
rounds=${2:-8}
il=$(mktemp -d "${TMPDIR:-/tmp}/e3sharp-il.XXXXXX")
trap 'rm -rf "$il"' EXIT
cp -al "$app/." "$il/" && rm "$il/E3Sharp.dll" && cp "$repo/src/E3Sharp/bin/Release/net10.0/E3Sharp.dll" "$il/"
anchor=""
for a in "$repo/../shared/anchors" "$repo/../../shared/anchors"; do
    [ -f "$a/e3nn_fctp_32x0e+32x1o+32x2e.pt" ] && anchor="$a/e3nn_fctp_32x0e+32x1o+32x2e.pt" && break
done
for i in $(seq "$rounds"); do
    for variant in r2r il; do
        dir=$app; [ "$variant" = il ] && dir=$il
        echo "$variant $(dotnet "$dir/Consumer.dll" startup $anchor)"
    done
done | tee /dev/stderr | awk '
    function num(re,   m) { if (!match($0, re)) return -1; m = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", m); return m + 0 }
    { n[$1]++; t[$1, n[$1]] = num("compile: [0-9]+ ms"); cc[$1, n[$1]] = num(", compile [0-9]+ ms")
      jj[$1, n[$1]] = num("JIT [0-9]+ ms") }
    function median(a, v, k,   i, j, x, s) { for (i = 1; i <= k; i++) s[i] = a[v, i]
        for (i = 2; i <= k; i++) { x = s[i]; for (j = i - 1; j > 0 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
        return k % 2 ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2 }
    function min(a, v, k,   i, m) { m = a[v, 1]; for (i = 2; i <= k; i++) if (a[v, i] < m) m = a[v, i]; return m }
    END { for (v in n) printf "%s: construct + compile median %.0f ms (min %.0f), compile alone median %.0f ms (min %.0f), .NET JIT median %.0f ms, %d runs\n",
          v, median(t, v, n[v]), min(t, v, n[v]), median(cc, v, n[v]), min(cc, v, n[v]), median(jj, v, n[v]), n[v] }'
