#!/usr/bin/env bash
# IPAM benchmark (not a test): ADD+DEL cycles as processes, spiderctl vs the real host-local
# plugin, side by side in one run, on a /24 and a /64 pool, empty and with 200 addresses held;
# then the in-process figure (IPAMService on EmbeddedLedger) from spider-bench.
# Prints Markdown tables on stdout (copy them into Docs/PERFORMANCE.md with the date).
#
#   scripts/bench-ipam.sh [CYCLES]        CYCLES ADD+DEL cycles per row (default 300)
#
# Needs root only to install Debian's containernetworking-plugins when /usr/lib/cni/host-local
# is missing. SPIDER_BENCH_SCRATCH sets swift build's --scratch-path (default .build).
# Cycles alternate between the two implementations, so drift hits both alike.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
export LC_ALL=C  # $EPOCHREALTIME with a dot

cycles="${1:-300}"
held=200
scratch="${SPIDER_BENCH_SCRATCH:-.build}"
host_local=/usr/lib/cni/host-local

if ((BASH_VERSINFO[0] < 5)); then
    echo "error: bash 5 or later is needed (\$EPOCHREALTIME)" >&2
    exit 1
fi

# 1. host-local, as Debian ships it.
if [ ! -x "$host_local" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: $host_local is missing; run as root or: apt-get update && apt-get install -y containernetworking-plugins" >&2
        exit 1
    fi
    apt-get update -qq >&2
    apt_updated=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containernetworking-plugins >&2
    [ -x "$host_local" ] || { echo "error: containernetworking-plugins installed no $host_local" >&2; exit 1; }
fi

# 2. Release builds.
ensure_build_deps
swift build -c release --scratch-path "$scratch" --product spiderctl >&2
swift build -c release --scratch-path "$scratch" --product spider-bench >&2
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
spiderctl="$bin/spiderctl"

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-ipam.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 3. The pools. host-local: one network per pool size; spiderctl: one store per pool size.
netconf() {  # NAME SUBNET
    printf '{"cniVersion":"1.0.0","name":"%s","type":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],"dataDir":"%s/host-local"}}' \
        "$1" "$2" "$work"
}
netconf bench24 10.77.0.0/24 >"$work/v24.json"
netconf bench64 fd00:77::/64 >"$work/v64.json"
pool_manifest() {  # NAME SUBNET IPS
    printf 'apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: %s\nspec:\n  subnet: %s\n  ips:\n  - %s\n' "$1" "$2" "$3"
}
pool_manifest bench-v24 10.78.0.0/24 10.78.0.1-10.78.0.254 >"$work/pool24.yaml"
pool_manifest bench-v64 fd00:78::/64 fd00:78::1-fd00:78::ffff:ffff:ffff:fffe >"$work/pool64.yaml"
"$spiderctl" pool apply -f "$work/pool24.yaml" --store "$work/store24" >/dev/null
"$spiderctl" pool apply -f "$work/pool64.yaml" --store "$work/store64" >/dev/null

# One ADD or DEL; any failure stops the benchmark with the plugin's output.
host_local_call() {  # COMMAND SIZE CONTAINERID
    if ! CNI_COMMAND="$1" CNI_CONTAINERID="$3" CNI_NETNS=/var/run/netns/bench-ipam CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
        "$host_local" <"$work/v$2.json" >"$work/out" 2>&1; then
        echo "error: host-local $1 $3 (/$2) failed: $(cat "$work/out")" >&2
        exit 1
    fi
}
spiderctl_call() {  # COMMAND SIZE CONTAINERID
    local arguments
    if [ "$1" = ADD ]; then
        arguments=(ip allocate --pool "bench-v$2" --container-id "$3" --ifname eth0)
    else
        arguments=(ip release --container-id "$3" --ifname eth0)
    fi
    if ! "$spiderctl" "${arguments[@]}" --store "$work/store$2" >"$work/out" 2>&1; then
        echo "error: spiderctl $1 $3 (/$2) failed: $(cat "$work/out")" >&2
        exit 1
    fi
}

# One ADD+DEL cycle; appends its duration in µs to FILE.
cycle() {  # IMPLEMENTATION SIZE CONTAINERID FILE
    local start=${EPOCHREALTIME/./}
    "$1_call" ADD "$2" "$3"
    "$1_call" DEL "$2" "$3"
    echo $((${EPOCHREALTIME/./} - start)) >>"$4"
}

# median and p90 of a file of µs, in ms.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.999)]
        printf "%.2f %.2f\n", m / 1000, p / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

measure() {  # HELD: runs both implementations on both pool sizes
    local size i
    for size in 24 64; do
        : >"$work/host_local-$size-$1"; : >"$work/spiderctl-$size-$1"
        for ((i = 0; i < cycles; i++)); do
            if ((i % 2 == 0)); then
                cycle host_local "$size" "bench-$i" "$work/host_local-$size-$1"
                cycle spiderctl "$size" "bench-$i" "$work/spiderctl-$size-$1"
            else
                cycle spiderctl "$size" "bench-$i" "$work/spiderctl-$size-$1"
                cycle host_local "$size" "bench-$i" "$work/host_local-$size-$1"
            fi
        done
    done
}

fill() {  # COUNT: each implementation holds COUNT addresses in each pool (other container IDs)
    local size i
    for size in 24 64; do
        for ((i = 0; i < $1; i++)); do
            host_local_call ADD "$size" "held-$i"
            spiderctl_call ADD "$size" "held-$i"
        done
    done
}

echo "measuring $cycles ADD+DEL cycles per row (processes, sequential)..." >&2
measure 0
fill "$held"
measure "$held"

echo "## IPAM ADD+DEL as a process: spiderctl vs host-local ($cycles cycles per row, same run)"
echo
echo "host-local: $(dpkg-query -W -f='containernetworking-plugins ${Version}' containernetworking-plugins 2>/dev/null || echo "$host_local"), spiderctl: release build; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| pool | held | host-local median | host-local p90 | spiderctl median | spiderctl p90 | spiderctl ÷ host-local (median) |"
echo "|---|---|---|---|---|---|---|"
declare -A median
for h in 0 "$held"; do
    for size in 24 64; do
        read -r hm hp < <(stats "$work/host_local-$size-$h")
        read -r sm sp < <(stats "$work/spiderctl-$size-$h")
        median["host_local-$size-$h"]=$hm
        median["spiderctl-$size-$h"]=$sm
        echo "| /$size | $h | $hm ms | $hp ms | $sm ms | $sp ms | $(ratio "$sm" "$hm")× |"
    done
done
echo
echo "| implementation | held | /64 ÷ /24 (median) |"
echo "|---|---|---|"
for implementation in host_local spiderctl; do
    for h in 0 "$held"; do
        echo "| ${implementation/_/-} | $h | $(ratio "${median[$implementation-64-$h]}" "${median[$implementation-24-$h]}")× |"
    done
done
echo
echo "## IPAM allocation in process (spider-bench allocation)"
echo
"$bin/spider-bench" allocation
