#!/usr/bin/env bash
# Builds the DocC documentation of every library (SpiderCore, SpiderYAML, SpiderEmbeddedLedger,
# SpiderNetlink, SpiderEtcd, SpiderCNI, SpiderAgent, SpiderScenario) with the toolchain's docc, warnings as
# errors, into .build-docs/LIBRARY.doccarchive.
#
#   scripts/docs.sh [LIBRARY...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_build_deps
libraries=("$@"); [ ${#libraries[@]} -gt 0 ] || libraries=(SpiderCore SpiderYAML SpiderEmbeddedLedger SpiderNetlink SpiderEtcd SpiderCNI SpiderAgent SpiderScenario)
docc="$(dirname "$(readlink -f "$(command -v swift)")")/docc"
[ -x "$docc" ] || { echo "error: $docc not found (the Swift toolchain's docc)" >&2; exit 1; }
# The build writes symbol graphs when it compiles a module; they stay beside the build, which
# is why this folder is never emptied (an up-to-date build would not write them again).
graphs=.build-docs/symbol-graphs
mkdir -p "$graphs"
for library in "${libraries[@]}"; do
    swift build --scratch-path .build-docs --target "$library" \
        -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$PWD/$graphs" >&2
done
for library in "${libraries[@]}"; do
    own="$graphs/$library"; rm -rf "$own"; mkdir -p "$own"
    cp "$graphs/$library".symbols.json "$own/"
    cp "$graphs/$library"@*.symbols.json "$own/" 2>/dev/null || true
    "$docc" convert "Sources/$library/$library.docc" --additional-symbol-graph-dir "$own" \
        --output-path ".build-docs/$library.doccarchive" --fallback-display-name "$library" \
        --fallback-bundle-identifier "io.spidernet.$library" --warnings-as-errors >&2
    echo "docs: $library: no warnings (.build-docs/$library.doccarchive)"
done
