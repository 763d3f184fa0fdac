#!/usr/bin/env bash
# Builds real LAMMPS (Debian's source package) with the unmodified upstream pair_nequip and pair_allegro (v0.6.0)
# compiled in, cached outside the clone under a key made of the versions that go into it (LAMMPS, LibTorch, Open MPI,
# g++, hashes of both pair styles, recipe); rebuilt only when that build is missing.
# Prints the path of the lmp binary on its last line. Usage: bash build/lammps.sh [--quiet]
# Both pair styles come from the read-only fixtures (../shared/third_party, or $E3SHARP_THIRD_PARTY); only the build
# copy is adapted to this older LAMMPS (neighbour requests, reverse_comm, C++17; each adaptation is commented below).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
log() { echo "lammps.sh: $*" >&2; }

third_party="${E3SHARP_THIRD_PARTY:-}"
if [ -z "$third_party" ]; then
    for c in "$root/../shared/third_party" /work/shared/third_party; do
        if [ -f "$c/pair_nequip/pair_nequip.cpp" ] && [ -f "$c/pair_allegro/pair_allegro.cpp" ]; then third_party=$c; break; fi
    done
fi
if [ -z "$third_party" ] || [ ! -f "$third_party/pair_nequip/pair_nequip.cpp" ] || [ ! -f "$third_party/pair_allegro/pair_allegro.cpp" ]; then
    log "pair style sources not found (set E3SHARP_THIRD_PARTY to the folder holding pair_nequip/ and pair_allegro/)"
    exit 2
fi

need=()
command -v mpirun >/dev/null || need+=(openmpi-bin)
[ -f /usr/include/x86_64-linux-gnu/openmpi/mpi.h ] || [ -f /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h ] || need+=(libopenmpi-dev)
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v g++ >/dev/null || need+=(g++)
command -v xz >/dev/null || need+=(xz-utils)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
[ -f /usr/include/torch/script.h ] || need+=(libtorch-dev)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]} (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Versions that make up the cache key.
torch_ver=$(dpkg-query -W -f='${Version}' libtorch-dev)
mpi_ver=$(dpkg-query -W -f='${Version}' libopenmpi-dev)
gxx_ver=$(g++ -dumpfullversion)
pn_hash=$(cat "$third_party"/pair_nequip/pair_nequip.{cpp,h} "$third_party"/pair_nequip/patch_lammps.sh | sha256sum | cut -c1-12)
pa_hash=$(cat "$third_party"/pair_allegro/{pair,compute}_allegro.{cpp,h} "$third_party"/pair_allegro/patch_lammps.sh | sha256sum | cut -c1-12)
# Bump when the build steps below change (editing comments must not throw away an 8-minute build).
recipe=1

# Debian's LAMMPS source package; a deb-src entry for the mirror apt already uses (same URI, suite, component).
cache_root="${E3SHARP_LAMMPS_CACHE:-/var/cache/e3sharp}"
mkdir -p "$cache_root"
src_dir="$cache_root/lammps-src"
if ! ls "$src_dir"/lammps_*.orig.tar.xz >/dev/null 2>&1; then
    if ! apt-get source --print-uris lammps >/dev/null 2>&1; then
        log "adding a deb-src entry"
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
        uri=${uri:-http://deb.debian.org/debian}
        suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
        # The same Signed-By as the binary entry (apt refuses two values for one source).
        active=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
        keyring=$(grep -lE "$uri" $active 2>/dev/null | xargs -r grep -hoE 'Signed-By: *[^ ]+|signed-by=[^] ]+' 2>/dev/null | head -1 | sed -E 's/^(Signed-By: *|signed-by=)//' || true)
        opts=""; [ -n "$keyring" ] && opts="[signed-by=$keyring] "
        echo "deb-src ${opts}$uri $suite main" > /etc/apt/sources.list.d/e3sharp-deb-src.list
        apt-get update -qq
    fi
    mkdir -p "$src_dir"
    (cd "$src_dir" && apt-get source --download-only lammps >/dev/null)
fi
orig=$(ls "$src_dir"/lammps_*.orig.tar.xz | head -1)
lammps_ver=$(basename "$orig" .orig.tar.xz | sed 's/^lammps_//')

key="lammps-${lammps_ver}-torch${torch_ver}-mpi${mpi_ver}-gcc${gxx_ver}-pn${pn_hash}-pa${pa_hash}-r${recipe}"
key=$(echo "$key" | tr -c 'A-Za-z0-9._+\n-' '_')
dir="$cache_root/$key"
lmp="$dir/build/lmp"
if [ -x "$lmp" ] && [ -f "$dir/.complete" ]; then
    log "cached: $lmp"
    echo "$lmp"
    exit 0
fi

log "building $key (about 8 minutes on 2 cores)"
rm -rf "$dir"; mkdir -p "$dir"
tar -xJf "$orig" -C "$dir" --strip-components=1
# The pair style's own patch script, run from a copy of its folder (it copies *.cpp/*.h into src/).
pn="$dir/pair_nequip"
cp -r "$third_party/pair_nequip" "$pn"
(cd "$pn" && bash ./patch_lammps.sh "$dir" >&2)
# This LAMMPS (29 Sep 2021) predates neighbor->add_request(this, NeighConst::REQ_FULL); use the older API, as
# pair_nequip itself did before its commit d06a573. Only this line of the build copy changes.
grep -q 'neighbor->add_request(this, NeighConst::REQ_FULL);' "$dir/src/pair_nequip.cpp"
sed -i 's/neighbor->add_request(this, NeighConst::REQ_FULL);/int irequest = neighbor->request(this, instance_me); neighbor->requests[irequest]->half = 0; neighbor->requests[irequest]->full = 1;/' "$dir/src/pair_nequip.cpp"
# pair_allegro v0.6.0 (pair_allegro.*, compute_allegro.*), through its own patch script, run second: pair_nequip's
# script refuses an already patched tree, pair_allegro's only warns (and appends its find_package(Torch) block again,
# which is harmless). Its C++ standard edit (11 -> 17) no longer matches after pair_nequip's (11 -> 14); it needs
# C++17 (if constexpr), so set that here.
pa="$dir/pair_allegro"
cp -r "$third_party/pair_allegro" "$pa"
(cd "$pa" && bash ./patch_lammps.sh "$dir" >&2 2>/dev/null || true)
[ -f "$dir/src/pair_allegro.cpp" ] && [ -f "$dir/src/compute_allegro.cpp" ]
grep -q 'set(CMAKE_CXX_STANDARD 14)' "$dir/cmake/CMakeLists.txt"
sed -i 's/set(CMAKE_CXX_STANDARD 14)/set(CMAKE_CXX_STANDARD 17)/' "$dir/cmake/CMakeLists.txt"
# The same neighbour-request adaptation for pair_allegro's two requests: the Kokkos one (full) and the plain one
# (full with ghosts: REQ_GHOST becomes ->ghost = 1).
grep -q 'neighbor->add_request(this, NeighConst::REQ_FULL | NeighConst::REQ_GHOST);' "$dir/src/pair_allegro.cpp"
sed -i -e 's/neighbor->add_request(this, NeighConst::REQ_FULL | NeighConst::REQ_GHOST);/int irequest = neighbor->request(this, instance_me); neighbor->requests[irequest]->half = 0; neighbor->requests[irequest]->full = 1; neighbor->requests[irequest]->ghost = 1;/' \
    -e 's/neighbor->add_request(this, NeighConst::REQ_FULL);/int irequest = neighbor->request(this, instance_me); neighbor->requests[irequest]->half = 0; neighbor->requests[irequest]->full = 1;/' \
    "$dir/src/pair_allegro.cpp"
! grep -q 'add_request' "$dir/src/pair_allegro.cpp"
# compute allegro: this LAMMPS names the compute variant of the reverse communication reverse_comm_compute().
grep -q 'comm->reverse_comm(this);' "$dir/src/compute_allegro.cpp"
sed -i 's/comm->reverse_comm(this);/comm->reverse_comm_compute(this);/' "$dir/src/compute_allegro.cpp"
mkdir -p "$dir/build"
(
    cd "$dir/build"
    cmake ../cmake -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_MPI=ON -DBUILD_OMP=ON -DLAMMPS_EXCEPTIONS=ON \
        -DCMAKE_PREFIX_PATH=/usr/lib/x86_64-linux-gnu/cmake >"$dir/cmake.log" 2>&1 || { tail -30 "$dir/cmake.log" >&2; exit 1; }
    ninja -j"${E3SHARP_LAMMPS_JOBS:-2}" lmp >"$dir/ninja.log" 2>&1 || { tail -40 "$dir/ninja.log" >&2; exit 1; }
)
[ -x "$lmp" ]
touch "$dir/.complete"
log "built $lmp"
echo "$lmp"
