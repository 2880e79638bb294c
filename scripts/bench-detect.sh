#!/usr/bin/env bash
# Benchmark (not a test) of the coordinator's IP conflict and gateway detection (as root), side by
# side in one run, with the lean, fully static CNI binary (scripts/build-cni.sh):
#   1. coordinator ADD (underlay, first NIC eth0, IPv4 + IPv6) without detection and with
#      detectIPConflict + detectGateway, nothing wrong on the wire, alternating, CYCLES each
#      (a DEL after each ADD, not timed);
#   2. the same ADD with a squatter on the Pod's IPv4 address: the time to fail (code 110).
# The wire: network namespaces, a node bridge, a gateway host (10.6.0.1, fd00:6::1) and a squatter
# host (10.6.212.201) on it, the Pod's eth0 a macvlan port of the bridge.
#
#   scripts/bench-detect.sh [CYCLES]      (default 40)
#   SPIDER_CNI=/path/to/spider-cni        measures that binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
export LC_ALL=C
[ "$(id -u)" -eq 0 ] || { echo "error: the benchmark creates network namespaces: run it as root" >&2; exit 1; }
ensure_build_deps
apt_install iproute2
cycles="${1:-40}"
cni="${SPIDER_CNI:-$(scripts/build-cni.sh | tail -n 1)}"

work=$(mktemp -d /tmp/bench-detect.XXXXXX)
tag=bd$$
node=$tag-node gw=$tag-gw sq=$tag-sq pod=$tag-pod
cleanup() { for n in "$node" "$gw" "$sq" "$pod"; do ip netns delete "$n" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${BENCH_DETECT_KEEP:-}" ] && trap - EXIT
for n in "$node" "$gw" "$sq" "$pod"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n "$node" link add br0 type bridge forward_delay 0; ip -n "$node" link set br0 up
ip -n "$node" address add 10.6.212.132/16 dev br0; ip -n "$node" address add fd00:6::132/64 dev br0 nodad
host() {  # NS LINK ADDRESS4 ADDRESS6
    ip -n "$1" link add "$2" type veth peer name "$2p" netns "$node"
    ip -n "$node" link set "$2p" master br0; ip -n "$node" link set "$2p" up
    ip -n "$1" address add "$3/16" dev "$2"; ip -n "$1" address add "$4/64" dev "$2" nodad; ip -n "$1" link set "$2" up
}
host "$gw" gw0 10.6.0.1 fd00:6::1
host "$sq" sq0 10.6.212.201 fd00:6::201
ip -n "$node" link add link br0 name podm type macvlan mode bridge
ip -n "$node" link set podm netns "$pod"; ip -n "$pod" link set podm name eth0; ip -n "$pod" link set eth0 up

config() {  # ADDRESS4 DETECT(true|false)
    printf '{"cniVersion":"1.0.0","name":"b","type":"coordinator","mode":"underlay","podDefaultCniNic":"eth0","detectIPConflict":%s,"detectGateway":%s,"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/%s"}],"ips":[{"address":"%s/16","gateway":"10.6.0.1","interface":0},{"address":"fd00:6::77/64","gateway":"fd00:6::1","interface":0}]}}' \
        "$2" "$2" "$pod" "$1"
}
addresses() {  # ADDRESS4
    ip -n "$pod" address flush dev eth0 scope global
    ip -n "$pod" address add "$1/16" dev eth0; ip -n "$pod" address add fd00:6::77/64 dev eth0 nodad
}
call() {  # COMMAND CONFIG -> status; prints microseconds on fd 3
    local start=${EPOCHREALTIME/./} status=0
    ip netns exec "$node" env -i CNI_COMMAND="$1" CNI_CONTAINERID=bench CNI_NETNS="/var/run/netns/$pod" CNI_IFNAME=eth0 \
        SPIDERPOOL_COORDINATOR_LOCK="$work/lock" "$cni" coordinator <<<"$2" >"$work/out" 2>"$work/err" || status=$?
    echo $((${EPOCHREALTIME/./} - start)) >&3
    return $status
}
median() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }
p90() { sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.9); if (i < 1) i = 1; printf "%.1f", v[i] / 1000 }'; }

addresses 10.6.212.77
plain=$(config 10.6.212.77 false) detect=$(config 10.6.212.77 true)
for ((i = 0; i < cycles; i++)); do
    call ADD "$plain" 3>>"$work/plain.us" || { echo "error: ADD failed: $(cat "$work/out")" >&2; exit 1; }
    call DEL "$plain" 3>/dev/null
    call ADD "$detect" 3>>"$work/detect.us" || { echo "error: ADD with detection failed: $(cat "$work/out")" >&2; exit 1; }
    call DEL "$detect" 3>/dev/null
done
addresses 10.6.212.201
conflict=$(config 10.6.212.201 true)
for ((i = 0; i < cycles; i++)); do
    if call ADD "$conflict" 3>>"$work/conflict.us"; then echo "error: the ADD on a squatted address succeeded" >&2; exit 1; fi
    grep -q '"code":110' "$work/out" || { echo "error: expected code 110: $(cat "$work/out")" >&2; exit 1; }
    call DEL "$conflict" 3>/dev/null
done

p=$(median <"$work/plain.us") d=$(median <"$work/detect.us") c=$(median <"$work/conflict.us")
echo "## Coordinator IP conflict and gateway detection ($(nproc) cores, $(date -u +%Y-%m-%d), spider-cni: release, fully static, $cycles cycles each)"
echo
echo "| coordinator ADD (underlay, eth0 with an IPv4 and an IPv6 address) | median | p90 |"
echo "|---|---|---|"
echo "| without detection | $p ms | $(p90 <"$work/plain.us") ms |"
echo "| detectIPConflict + detectGateway, nothing wrong (defaults: 3 probes 10ms apart, 100ms) | $d ms | $(p90 <"$work/detect.us") ms |"
echo "| the same with a squatter on the IPv4 address: fails with code 110 | $c ms | $(p90 <"$work/conflict.us") ms |"
echo
awk -v d="$d" -v p="$p" -v c="$c" 'BEGIN { printf "Detection adds %.1f ms to a clean ADD (goal: at most 250 ms); a conflict fails the ADD %.1f ms after it starts.\n", d - p, c }'
