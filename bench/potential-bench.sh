#!/usr/bin/env bash
# The potential benchmark of issue 22 in one command (docs/benchmarks.md):
#   bash bench/potential-bench.sh [--save-twin] [--quick] [MODEL_DIR]
# 1. exports MODEL_DIR's weights and the systems (E3Sharp.PotentialBench export),
# 2. builds the e3nn twin with those weights, checks it against E3Sharp (float32 1e-5, float64 1e-10) and compiles it
#    (bench/e3nn-twin/make_twin.py; --save-twin also writes the archives and provenance into bench/e3nn-twin/),
# 3. times the twin in PyTorch 1.13 from Python and E3Sharp eager / compiled / the twin archive in LibTorch 2.10
#    through TorchSharp, alternately per thread count, then construct+compile first in fresh processes,
# 4. prints the Markdown table of bench/RESULTS.md (bench/e3nn-twin/table.py).
# Environment: E3NN_PYTHONPATH (default /opt/e3nn-ref/...), E3SHARP_BENCH_WORK (work folder, default a new temp one),
# E3SHARP_BENCH_ALLOCATOR (keep: glibc keeps freed memory in both processes, TorchAllocator.KeepFreedMemory in .NET
# and MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 for Python; default: glibc's defaults),
# E3SHARP_BENCH_THREADS (thread counts, default "1 2"; two threads need a quiet machine: on a loaded one the
# second thread waits for a core and calls take 10-100x longer), E3SHARP_BENCH_NO_BUILD=1 (use the built program as it is), E3SHARP_BENCH_ARGS (extra options for both timing programs, e.g. "--seconds 10 --sizes 64,512").
set -euo pipefail
cd "$(dirname "$0")/.."
save=0
quick=0
model=samples/Potential/Data/cu_emt_model
for arg in "$@"; do
  case "$arg" in
    --save-twin) save=1 ;;
    --quick) quick=1 ;;
    *) model="$arg" ;;
  esac
done
work="${E3SHARP_BENCH_WORK:-$(mktemp -d /tmp/e3sharp-potential-bench.XXXXXX)}"
mkdir -p "$work"
export PYTHONPATH="${E3NN_PYTHONPATH:-/opt/e3nn-ref/e3nn:/opt/e3nn-ref/oefx:/opt/e3nn-ref/oe}"
export LD_LIBRARY_PATH="/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
extra="${E3SHARP_BENCH_ARGS:-}"
if [ "$quick" = 1 ]; then extra="--sizes 64,512 --seconds 5 --min-rounds 3 $extra"; fi
python=(/usr/bin/python3)
if [ "${E3SHARP_BENCH_ALLOCATOR:-default}" = keep ]; then
  python=(env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 /usr/bin/python3)
fi
if [ "${E3SHARP_BENCH_NO_BUILD:-0}" != 1 ]; then
  dotnet build bench/E3Sharp.PotentialBench -c Release -v q -nologo >/dev/null
fi
exe=(dotnet bench/E3Sharp.PotentialBench/bin/Release/net10.0/E3Sharp.PotentialBench.dll)
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg); work folder $work; allocator ${E3SHARP_BENCH_ALLOCATOR:-default}"
"${exe[@]}" export --model "$model" --out "$work"
"${python[@]}" bench/e3nn-twin/make_twin.py --work "$work" --out "$work" --save --model-dir "$model"
if [ "$save" = 1 ]; then
  cp "$work"/twin_float32.pt "$work"/twin_float64.pt "$work"/provenance.json bench/e3nn-twin/
fi
rm -f "$work/python.json"
for threads in ${E3SHARP_BENCH_THREADS:-1 2}; do
  echo "== $threads thread(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
  "${python[@]}" bench/e3nn-twin/bench_twin.py --work "$work" --twin "$work/twin_float32.pt" --threads "$threads" \
    --json "$work/python.json" $extra
  "${exe[@]}" bench --model "$model" --twin "$work/twin_float32.pt" --train-twin "$work/twin_float32.pt" \
    --threads "$threads" --json "$work/dotnet-$threads.json" $extra
done
echo "== first construct+compile of the whole potential, fresh processes, load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in 1 2 3 4 5; do
  "${exe[@]}" first-compile --model "$model" --twin "$work/twin_float32.pt" | tee -a "$work/first-compile.txt"
done
echo "== end load: $(cut -d' ' -f1-3 /proc/loadavg)"
"${python[@]}" bench/e3nn-twin/table.py --work "$work"
