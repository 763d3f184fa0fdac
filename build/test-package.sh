#!/usr/bin/env bash
# The package as a new user gets it (issue 16). Packs E3Sharp into a temporary folder feed; creates a fresh console
# app in a temporary folder outside the clone, with an empty NuGet package cache (NUGET_PACKAGES) and a PATH that
# has dotnet and no python3; adds the package with `dotnet add package E3Sharp` (the feed registered in the app's nuget.config); builds (warnings as
# errors) and runs README's "A taste" as Program.cs and tests/package/Program.cs (a scripted module with a traced
# E3Sharp child and a TorchSharp built-in child: eager, TorchScript.Compile, torch.jit.save); PyTorch 1.13 loads
# both saved files and must give the C# eager numbers; an unsupported construct in the scripted forward must fail the
# build with its E3S diagnostic at file:line. Also prints the first construct + compile time of a
# FullyConnectedTensorProduct in a plain `dotnet run` (bench/RESULTS.md). Copies the packages to
# artifacts/packages (the package-contents test reads them). Ends with 'N passed, M failed'.
# E3SHARP_KEEP=1 keeps the temporary folder.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/e3sharp-consumer.XXXXXX")
[ "${E3SHARP_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
feed=$work/feed app=$work/app out=$work/out bin=$work/bin
mkdir -p "$feed" "$app" "$out" "$bin" "$work/nuget-packages"
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
finish() { echo "package check: $passed passed, $failed failed (folder $work)"; echo "$passed passed, $failed failed"; exit $((failed > 0)); }

# 1. Pack (the repository's own build, with the usual cache), as README "Install" says.
t=$(now)
if [ -n "${E3SHARP_FEED:-}" ] && cp "$E3SHARP_FEED"/E3Sharp.* "$feed/"; then
    pass "pack (packages taken from E3SHARP_FEED=$E3SHARP_FEED)"
elif dotnet pack "$repo/src/E3Sharp" -c Release -o "$feed" > "$work/pack.log" 2>&1 && ls "$feed"/E3Sharp.*.nupkg > /dev/null 2>&1; then
    pass "pack ($(took "$t"): $(cd "$feed" && ls))"
else
    tail -30 "$work/pack.log"; fail "pack"; finish
fi
mkdir -p "$repo/artifacts/packages" && rm -f "$repo/artifacts/packages"/E3Sharp.* && cp "$feed"/E3Sharp.* "$repo/artifacts/packages/"

# 2. The consumer's world: dotnet and nothing else on PATH, an empty package cache, a folder outside the clone.
ln -s "$(readlink -f "$(command -v dotnet)")" "$bin/dotnet"
consumer() { (cd "$app" && env PATH="$bin" NUGET_PACKAGES="$work/nuget-packages" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false "$@"); }
if consumer /bin/sh -c 'command -v python3' > /dev/null; then fail "python3 is not on the consumer's PATH"; else pass "python3 is not on the consumer's PATH"; fi
case "$app" in "$repo"/*) fail "the consumer folder is outside the clone";; *) pass "the consumer folder is outside the clone";; esac

t=$(now)
if consumer dotnet new console --name Consumer --output . > "$work/new.log" 2>&1; then
    pass "dotnet new console ($(took "$t"))"
else
    cat "$work/new.log"; fail "dotnet new console"; finish
fi
t=$(now)
# README "Install": the folder feed registered next to the project (beside nuget.org, where TorchSharp comes from).
printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration />\n' > "$app/nuget.config"
if consumer dotnet nuget add source "$feed" --name e3sharp --configfile nuget.config > "$work/add.log" 2>&1 &&
    consumer dotnet add package E3Sharp >> "$work/add.log" 2>&1; then
    pass "dotnet add package E3Sharp from the folder feed, restore into an empty cache ($(took "$t"))"
else
    tail -30 "$work/add.log"; fail "dotnet add package E3Sharp from the folder feed"; finish
fi

# Builds with warnings as errors; passes when the build succeeds with 0 warnings.
build() {
    local name=$1 t
    t=$(now)
    if consumer dotnet build -warnaserror > "$work/build-$name.log" 2>&1 && grep -q " 0 Warning(s)" "$work/build-$name.log"; then
        pass "$name: build, no warnings ($(took "$t"))"
        return 0
    fi
    grep -E "error|warning" "$work/build-$name.log" | sort -u | head -20
    fail "$name: build, no warnings"
    return 1
}

# 3. README's "A taste", verbatim, as Program.cs: builds, runs, and PyTorch loads the file it saved.
awk '/^## A taste/ {in_section=1} in_section && /^```csharp/ {code=1; next} code && /^```/ {exit} code {print}' \
    "$repo/README.md" > "$app/Program.cs"
if [ -s "$app/Program.cs" ] && build taste; then
    t=$(now)
    if consumer dotnet run --no-build > "$work/run-taste.log" 2>&1 && [ -f "$app/mymodule.pt" ]; then
        pass "taste: runs, compiles and saves mymodule.pt ($(took "$t"))"
        if /usr/bin/python3 -c "import sys, torch; m = torch.jit.load(sys.argv[1]); print(m(torch.randn(3, 5)).shape)" \
            "$app/mymodule.pt" > "$work/py-taste.log" 2>&1; then
            pass "taste: PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') loads and runs mymodule.pt"
        else
            cat "$work/py-taste.log"; fail "taste: PyTorch loads and runs mymodule.pt"
        fi
    else
        tail -20 "$work/run-taste.log"; fail "taste: runs, compiles and saves mymodule.pt"
    fi
elif [ ! -s "$app/Program.cs" ]; then
    fail "taste: README has a csharp block under '## A taste'"
fi

# 4. The model: scripted module, traced child, TorchSharp built-in child; PyTorch must give the same numbers.
cp "$repo/tests/package/Program.cs" "$app/Program.cs"
rm -f "$app/mymodule.pt"
if build model; then
    t=$(now)
    if consumer dotnet run --no-build -- check "$out" > "$work/run-model.log" 2>&1; then
        cat "$work/run-model.log"
        pass "model: runs eager, compiles, saves ($(took "$t"))"
        if /usr/bin/python3 "$repo/tests/package/compare.py" "$out"; then
            pass "model: PyTorch loads model.pt and gives the C# eager numbers"
        else
            fail "model: PyTorch loads model.pt and gives the C# eager numbers"
        fi
    else
        tail -30 "$work/run-model.log"; fail "model: runs eager, compiles, saves"
    fi
    # Start-up of a consumer (information for bench/RESULTS.md): LibTorch's TorchScript start first when the e3nn
    # anchor is at hand.
    anchor=""
    for a in "$repo/../shared/anchors" "$repo/../../shared/anchors" "$repo/../../../shared/anchors"; do
        [ -f "$a/e3nn_fctp_32x0e+32x1o+32x2e.pt" ] && anchor="$a/e3nn_fctp_32x0e+32x1o+32x2e.pt" && break
    done
    for i in 1 2 3; do
        if consumer dotnet run --no-build -- startup $anchor > "$work/startup.log" 2>&1; then
            echo "start-up, dotnet run $i: $(cat "$work/startup.log")"
        else
            tail -20 "$work/startup.log"; fail "start-up run"; break
        fi
    done
fi

# 5. Published for a runtime (warnings as errors: the compiler sees the IL reference assembly, not the x64 image),
#    the fix applied to the publish folder, and the published app runs.
t=$(now)
if consumer dotnet publish -r linux-x64 --self-contained false -warnaserror -o "$work/publish" > "$work/publish.log" 2>&1 &&
    ! grep -qE "warning [A-Z]+[0-9]+" "$work/publish.log" && mkdir -p "$work/out-published" &&
    consumer "$work/publish/Consumer" check "$work/out-published" > "$work/run-published.log" 2>&1; then
    pass "model: dotnet publish -r linux-x64, no warnings, the published app runs ($(took "$t"))"
else
    grep -E "error|warning" "$work/publish.log" | sort -u | head; tail -5 "$work/run-published.log" 2>/dev/null
    fail "model: dotnet publish -r linux-x64, no warnings, the published app runs"
fi
rm -rf "$work/publish"

# 6. An unsupported construct in the scripted forward: the build fails with the E3S diagnostic at its line.
line=$(grep -n "var y = linear.call(n);" "$app/Program.cs" | cut -d: -f1)
sed -i "${line}a\\        Func<Tensor, Tensor> twice = t => t * 2.0;" "$app/Program.cs"
bad=$((line + 1))
if consumer dotnet build > "$work/build-bad.log" 2>&1; then
    fail "unsupported construct: the build fails"
elif grep -qE "Program\.cs\($bad,[0-9]+\): error E3S011: Lambdas, anonymous methods and method groups are not supported in scripted code" "$work/build-bad.log"; then
    pass "unsupported construct: build fails with E3S011 at Program.cs:$bad ($(grep -m1 -oE "Program\.cs\($bad,[0-9]+\): error E3S011" "$work/build-bad.log"))"
else
    grep -E "error" "$work/build-bad.log" | sort -u | head; fail "unsupported construct: E3S011 at Program.cs:$bad"
fi
finish
