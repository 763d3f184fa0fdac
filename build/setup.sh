#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK: Debian's python3-torch (PyTorch 1.13, the second client that
# must load our TorchScript archives) and libtorch-dev + g++ (LibTorch 1.13 C++, for the potential sample's
# pair_nequip build of build/lammps.sh). Idempotent; skipped where already present.
set -euo pipefail
if ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing python3-torch (Debian) for the PyTorch interop tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
    else
        echo "setup: /usr/bin/python3 has no torch and apt-get is not usable; PyTorch interop tests will fail" >&2
    fi
fi
if [ ! -f /usr/include/torch/script.h ] || ! command -v g++ >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing libtorch-dev and g++ (Debian) for LAMMPS' pair_nequip (build/lammps.sh)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libtorch-dev g++ >/dev/null
    else
        echo "setup: libtorch-dev/g++ missing and apt-get is not usable; the LAMMPS check will fail" >&2
    fi
fi
