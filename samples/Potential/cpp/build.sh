#!/usr/bin/env bash
# Builds the LAMMPS-style loader against Debian's libtorch-dev (PyTorch 1.13's LibTorch, installed by build/setup.sh).
#   bash samples/Potential/cpp/build.sh [OUTPUT]      (default output: artifacts/potential/lammps_like_loader)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../../artifacts/potential/lammps_like_loader}"
mkdir -p "$(dirname "$out")"
if [ ! -f /usr/include/torch/script.h ]; then
    echo "build.sh: /usr/include/torch/script.h not found; install Debian's libtorch-dev (bash build/setup.sh)" >&2
    exit 3
fi
# Skip the compile when the binary is newer than the source (it takes about a minute).
if [ -x "$out" ] && [ "$out" -nt "$here/lammps_like_loader.cpp" ]; then
    echo "$out"
    exit 0
fi
g++ -std=c++17 -O2 -o "$out.tmp" "$here/lammps_like_loader.cpp" \
    -I/usr/include/torch/csrc/api/include -D_GLIBCXX_USE_CXX11_ABI=1 \
    -ltorch -ltorch_cpu -lc10 -Wl,--no-as-needed -ltorch_global_deps 1>&2
mv "$out.tmp" "$out"
echo "$out"
