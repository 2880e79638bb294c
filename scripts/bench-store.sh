#!/usr/bin/env bash
# Store benchmark (not a test), side by side in one run (as root), through the CNI plugins as
# processes, the lean static `spider-cni` (scripts/build-cni.sh) against host-local:
#   1. IPAM ADD+DEL with 0 and with HELD addresses already held in a /16 pool, each
#      implementation (CYCLES cycles, the four cases alternating);
#   2. the peak memory (max RSS) of one ADD and one DEL with 10,000 addresses held (ours and
#      host-local);
#   3. a burst of 64 concurrent ADDs on one pool, 9 rounds: median wall time and duplicates.
# With BASELINE_CNI and BASELINE_SPIDERCTL (an earlier build's binaries), the earlier ledger
# runs the same cases beside them. Prints Markdown on stdout (Docs/PERFORMANCE.md).
#
#   scripts/bench-store.sh [CYCLES] [HELD]     (defaults 200 and 3000)
#   SPIDER_CNI=/path/to/spider-cni             measures that binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
export LC_ALL=C
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (the stores live under /tmp, the plugins are run as root)" >&2; exit 1; }
ensure_test_deps
apt_install time
cycles="${1:-200}"
held="${2:-3000}"
cni_binary="${SPIDER_CNI:-$(bash scripts/build-cni.sh | tail -n 1)}"
swift build --product spiderctl >&2
spiderctl="$(swift build --show-bin-path)/spiderctl"

work=$(mktemp -d /tmp/bench-store.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin="$work/bin"; mkdir -p "$bin"
ln -s /usr/lib/cni/host-local "$bin/host-local"
"$spiderctl" cni install --dir "$bin" --binary "$cni_binary" >/dev/null
impls=(spider host)
if [ -n "${BASELINE_CNI:-}" ]; then
    mkdir -p "$work/base"; cp "$BASELINE_CNI" "$work/base/spiderpool"
    impls+=(base)
fi
printf 'apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: bench\nspec:\n  subnet: 10.8.0.0/16\n  gateway: 10.8.0.1\n  ips:\n  - 10.8.0.2-10.8.255.254\n' >"$work/pool.yaml"

plugin_of() { case "$1" in spider) echo "$bin/spiderpool" ;; host) echo "$bin/host-local" ;; base) echo "$work/base/spiderpool" ;; esac; }
config_of() {  # IMPL STORE-NAME
    case "$1" in
    host) echo '{"cniVersion":"1.0.0","name":"'"$2"'","type":"macvlan","ipam":{"type":"host-local","ranges":[[{"subnet":"10.8.0.0/16","rangeStart":"10.8.0.2","rangeEnd":"10.8.255.254","gateway":"10.8.0.1"}]],"dataDir":"'"$work/host-local"'"}}' ;;
    *) echo '{"cniVersion":"1.0.0","name":"n","type":"macvlan","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"'"$work/$1-$2"'"}}' ;;
    esac
}
call() {  # IMPL STORE-NAME COMMAND CONTAINERID
    CNI_COMMAND="$3" CNI_CONTAINERID="$4" CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" \
        CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=p$4" "$(plugin_of "$1")" <<<"$(config_of "$1" "$2")" >"$work/out" 2>&1 \
        || { echo "error: $1 $2 $3 $4: $(cat "$work/out")" >&2; exit 1; }
}
# A store of IMPL named NAME holding COUNT addresses. Ours are filled through the plugin itself
# (ADD after ADD); host-local's files are written as host-local writes them ("ID\r\nIFNAME").
fill() {  # IMPL NAME COUNT
    local i
    case "$1" in
    host)
        mkdir -p "$work/host-local/$2"
        for ((i = 0; i < $3; i++)); do printf 'f%d\r\neth0' "$i" >"$work/host-local/$2/10.8.$((i / 250)).$((i % 250 + 2))"; done
        [ "$3" -gt 0 ] && printf '10.8.%d.%d' $((($3 - 1) / 250)) $((($3 - 1) % 250 + 2)) >"$work/host-local/$2/last_reserved_ip.0" || true
        ;;
    spider) "$spiderctl" pool apply -f "$work/pool.yaml" --store "$work/spider-$2" >/dev/null ;;
    base) "$BASELINE_SPIDERCTL" pool apply -f "$work/pool.yaml" --store "$work/base-$2" >/dev/null ;;
    esac
    if [ "$1" != host ]; then for ((i = 0; i < $3; i++)); do call "$1" "$2" ADD "f$i"; done; fi
}

stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.2f %.2f", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.999)] / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# 1. ADD+DEL at 0 and HELD.
for impl in "${impls[@]}"; do fill "$impl" empty 0; fill "$impl" full "$held"; done
sync
for ((i = 0; i < cycles; i++)); do
    for impl in "${impls[@]}"; do
        for store in empty full; do
            start=${EPOCHREALTIME/./}
            call "$impl" "$store" ADD "c$i"; call "$impl" "$store" DEL "c$i"
            echo $((${EPOCHREALTIME/./} - start)) >>"$work/t-$impl-$store"
        done
    done
done
declare -A med p90
for impl in "${impls[@]}"; do for store in empty full; do
    read -r m p <<<"$(stats "$work/t-$impl-$store")"; med[$impl-$store]=$m; p90[$impl-$store]=$p
done; done

# 2. Peak memory of one call with 10,000 held (max RSS in KiB, /usr/bin/time).
memory() {  # IMPL
    fill "$1" big 10000
    local add del
    add=$(CNI_COMMAND=ADD CNI_CONTAINERID=m1 CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" CNI_ARGS="IgnoreUnknown=1" \
        /usr/bin/time -f %M "$(plugin_of "$1")" <<<"$(config_of "$1" big)" 2>&1 >/dev/null | tail -n 1)
    del=$(CNI_COMMAND=DEL CNI_CONTAINERID=m1 CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" CNI_ARGS="IgnoreUnknown=1" \
        /usr/bin/time -f %M "$(plugin_of "$1")" <<<"$(config_of "$1" big)" 2>&1 >/dev/null | tail -n 1)
    awk -v a="$add" -v d="$del" 'BEGIN { printf "%.1f / %.1f", a / 1024, d / 1024 }'
}
declare -A mem
# The earlier ledger is left out here: filling it with 10,000 records takes minutes (every ADD
# reads every record).
for impl in spider host; do mem[$impl]=$(memory "$impl"); done
mem[base]="—"

# 3. 64 concurrent ADDs on one pool, on a fresh store each round (9 rounds, the implementations
#    alternating): the median wall time, and the fewest distinct addresses any round handed out.
burst() {  # IMPL ROUND
    local store="burst$2" start i plugin config
    fill "$1" "$store" 0
    # The setup's own writes (thousands of files before this phase) are flushed first, so that
    # a plugin that syncs does not pay for them.
    sync
    # Resolved before the clock starts: the loop below only starts processes.
    plugin=$(plugin_of "$1"); config=$(config_of "$1" "$store")
    start=${EPOCHREALTIME/./}
    for ((i = 0; i < 64; i++)); do
        CNI_COMMAND=ADD CNI_CONTAINERID="b$i" CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" \
            CNI_ARGS="IgnoreUnknown=1" "$plugin" <<<"$config" >"$work/burst-$1-$i" 2>&1 &
    done
    wait
    echo $(((${EPOCHREALTIME/./} - start) / 1000)) >>"$work/wall-$1"
    cat "$work"/burst-"$1"-* | { grep -o '"address": *"[^"]*"' || true; } | sort -u | wc -l >>"$work/distinct-$1"
}
for ((round = 0; round < 9; round++)); do for impl in "${impls[@]}"; do burst "$impl" "$round"; done; done
declare -A wall distinct
for impl in "${impls[@]}"; do
    wall[$impl]=$(sort -n "$work/wall-$impl" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    distinct[$impl]=$(sort -n "$work/distinct-$impl" | head -n 1)
done

name() { case "$1" in spider) echo "spiderpool (SQLite ledger)" ;; host) echo "host-local" ;; base) echo "spiderpool, earlier ledger" ;; esac; }
size_mib=$(awk -v b="$(stat -c %s "$cni_binary")" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "## Store at scale ($(nproc) cores, $(date -u +%Y-%m-%d), spider-cni: release, fully static, $size_mib MiB; $cycles cycles)"
echo
echo "| implementation | ADD+DEL, 0 held (median / p90) | ADD+DEL, $held held (median / p90) | $held held ÷ 0 held | peak RSS, 10,000 held: ADD / DEL | 64 concurrent ADDs, 9 rounds: median wall, fewest distinct addresses |"
echo "|---|---|---|---|---|---|"
for impl in "${impls[@]}"; do
    echo "| $(name "$impl") | ${med[$impl-empty]} / ${p90[$impl-empty]} ms | ${med[$impl-full]} / ${p90[$impl-full]} ms | $(ratio "${med[$impl-full]}" "${med[$impl-empty]}")× | ${mem[$impl]} MiB | ${wall[$impl]} ms, ${distinct[$impl]} |"
done
echo
echo "- ours ÷ host-local, $held held: **$(ratio "${med[spider-full]}" "${med[host-full]}")×**; 0 held: $(ratio "${med[spider-empty]}" "${med[host-empty]}")×"
if [ -n "${BASELINE_CNI:-}" ]; then
    echo "- ours ÷ the earlier ledger, $held held: $(ratio "${med[spider-full]}" "${med[base-full]}")×; 64-ADD burst wall: $(ratio "${wall[spider]}" "${wall[base]}")×"
fi
