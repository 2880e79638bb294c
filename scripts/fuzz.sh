#!/usr/bin/env bash
# Fuzzes every parser that takes outside input (libFuzzer, with AddressSanitizer) for a bounded time:
#   cni-config   the coordinator's CNI configuration and the IPAM pool annotations
#   manifest     SpiderIPPool, SpiderReservedIP, SpiderCoordinator, SpiderMultusConfig
#   range        addresses, CIDRs, Spiderpool ranges
#   ip-syntax    routes, rules, neighbours, addresses, MACs in `ip` syntax
#   scenario     a coordinator scenario through the planner and the simulator
#   agent-frame  what a peer writes to the node agent's socket: frames and their messages
# Seeds: the golden cases (Tests/Fixtures/golden), Examples/, and the kept regression inputs
# (Tests/FuzzRegressions/TARGET). A crash is copied to Tests/FuzzRegressions/TARGET/ and fails the run.
#
#   scripts/fuzz.sh [SECONDS-PER-TARGET] [TARGET...]     (default 20 s, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_build_deps
seconds="${1:-20}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(cni-config manifest range ip-syntax scenario agent-frame)
golden=Tests/Fixtures/golden

# The toolchain's lld: Debian's gold cannot link the sanitized binary.
lld="$(dirname "$(readlink -f "$(command -v swift)")")/ld.lld"
[ -x "$lld" ] || { echo "error: $lld not found (the Swift toolchain's lld links the fuzzer)" >&2; exit 1; }
work=$(mktemp -d /tmp/spider-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf '{"schemaVersion":"1.0","swiftCompiler":{"extraCLIOptions":["-sanitize=fuzzer,address","-DFUZZING"]},"linker":{"path":"%s"}}\n' "$lld" >"$work/toolset.json"
swift build -c release --scratch-path .build-fuzz --toolset "$work/toolset.json" --product spider-fuzz >&2
fuzzer="$(swift build -c release --scratch-path .build-fuzz --show-bin-path)/spider-fuzz"

seed() {  # TARGET DIR
    local n=0 f
    case "$1" in
        scenario|cni-config) for f in "$golden"/coordinator/*.json Tests/Scenarios/coordinator/*.json; do [ -f "$f" ] && cp "$f" "$2/s$((n++))"; done ;;
        manifest)
            for f in Examples/*/*.yaml; do [ -f "$f" ] && cp "$f" "$2/s$((n++))"; done
            # Every SpiderMultusConfig of the golden Multus cases, one JSON document a seed.
            python3 - "$golden/multus/multus_nad_cases.json" "$2" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
for i, case in enumerate(cases.get("generated", []) + cases.get("rejected", [])):
    doc = {"apiVersion": "spiderpool.spidernet.io/v2beta1", "kind": "SpiderMultusConfig"}
    doc.update(case.get("input", {}))
    open(f"{sys.argv[2]}/multus{i}", "w").write(json.dumps(doc))
PY
            ;;
        range) printf '10.6.212.100-10.6.212.200\n10.6.0.0/16\nfd00::1-fd00::ff\n::ffff:1.2.3.4\n' >"$2/s0"; printf '10.0.0.0/30,10.0.0.1\n' >"$2/s1" ;;
        agent-frame) cp Tests/FuzzRegressions/agent-frame/* "$2/" ;;
        ip-syntax) printf 'default via 10.6.0.1 dev net1 table 101\nfrom 10.6.212.200 lookup 101 pref 100\n10.6.0.1 dev net1 lladdr 02:42:ac:11:00:02 PERMANENT\n' >"$2/s0" ;;
    esac
    if [ -d "Tests/FuzzRegressions/$1" ]; then cp Tests/FuzzRegressions/"$1"/* "$2/" 2>/dev/null || true; fi
    [ -n "$(ls -A "$2")" ] || echo >"$2/empty"
}

failed=0
for target in "${targets[@]}"; do
    corpus="$work/corpus-$target"; artifacts="$work/artifacts-$target/"
    mkdir -p "$corpus" "$artifacts"
    seed "$target" "$corpus"
    if SPIDER_FUZZ_TARGET="$target" "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" >"$work/$target.log" 2>&1; then
        echo "fuzz $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$work/$target.log"), no crash"
    else
        failed=1
        mkdir -p "Tests/FuzzRegressions/$target"
        for crash in "$artifacts"*; do [ -f "$crash" ] && cp "$crash" "Tests/FuzzRegressions/$target/"; done
        echo "fuzz $target: FAILED; inputs kept in Tests/FuzzRegressions/$target/:" >&2
        grep -E "ERROR|SUMMARY|Fatal|error:" "$work/$target.log" | head -5 >&2
    fi
done
exit "$failed"
