#!/usr/bin/env bash
# CNI benchmark (not a test), side by side in one run (as root), with the plugins as they should be
# installed: the lean, fully static `spider-cni` (scripts/build-cni.sh):
#   0. CNI_COMMAND=VERSION: our `spiderpool` vs host-local (CYCLES cycles, alternating);
#   1. IPAM ADD+DEL as a process: our `spiderpool` plugin vs host-local (CYCLES cycles, alternating);
#   2. the full chain in a Pod namespace: macvlan + spiderpool + coordinator vs macvlan + host-local + sbr;
#   3. a burst of 64 concurrent IPAM ADDs, each implementation.
# Prints Markdown on stdout (copy into Docs/PERFORMANCE.md with the date).
#
#   scripts/bench-cni.sh [CYCLES]      (default 200; the chain runs CYCLES/4)
#   SPIDER_CNI=/path/to/spider-cni     measures that binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
export LC_ALL=C
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (namespaces)" >&2; exit 1; }
ensure_test_deps
cycles="${1:-200}"
# The plugins as we recommend installing them (start-up is most of a CNI call); spiderctl only
# applies the pool and lists what the burst allocated.
cni_binary="${SPIDER_CNI:-$(bash scripts/build-cni.sh | tail -n 1)}"
swift build --product spiderctl >&2
spiderctl="$(swift build --show-bin-path)/spiderctl"

work=$(mktemp -d /tmp/bench-cni.XXXXXX)
cleanup() { ip netns list | awk '/^bcni-/ {print $1}' | xargs -r -n1 ip netns delete 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
bin="$work/bin"; mkdir -p "$bin"
for p in macvlan host-local sbr; do ln -s "/usr/lib/cni/$p" "$bin/$p"; done
"$spiderctl" cni install --dir "$bin" --binary "$cni_binary" >/dev/null
printf 'apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: bench\nspec:\n  subnet: 10.6.0.0/16\n  gateway: 10.6.0.1\n  ips:\n  - 10.6.100.1-10.6.110.254\n' >"$work/pool.yaml"
"$spiderctl" pool apply -f "$work/pool.yaml" --store "$work/store" >/dev/null

ipam_spider='{"cniVersion":"1.0.0","name":"bench","type":"macvlan","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"'"$work/store"'"}}'
ipam_host='{"cniVersion":"1.0.0","name":"bench","type":"macvlan","ipam":{"type":"host-local","ranges":[[{"subnet":"10.6.0.0/16","rangeStart":"10.6.100.1","rangeEnd":"10.6.110.254","gateway":"10.6.0.1"}]],"dataDir":"'"$work/host-local"'"}}'

stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.2f %.2f", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.999)] / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
call() {  # PLUGIN COMMAND CONTAINERID CONFIG [NETNS IFNAME]
    CNI_COMMAND="$2" CNI_CONTAINERID="$3" CNI_NETNS="${5:-/proc/self/ns/net}" CNI_IFNAME="${6:-eth0}" CNI_PATH="$bin" \
        CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=p$3" "$bin/$1" <<<"$4" >"$work/out" 2>&1 \
        || { echo "error: $1 $2 $3: $(cat "$work/out")" >&2; exit 1; }
}

# 0. VERSION: start-up and nothing else (stdin from a file, as a runtime passes it).
: >"$work/version-spider"; : >"$work/version-host"
echo '{"cniVersion":"1.0.0"}' >"$work/version.json"
for ((i = 0; i < cycles; i++)); do
    for impl in spider host; do
        [ "$impl" = spider ] && plugin=spiderpool || plugin=host-local
        start=${EPOCHREALTIME/./}
        CNI_COMMAND=VERSION "$bin/$plugin" <"$work/version.json" >/dev/null
        echo $((${EPOCHREALTIME/./} - start)) >>"$work/version-$impl"
    done
done
read -r v_med v_p90 <<<"$(stats "$work/version-spider")"; read -r vh_med vh_p90 <<<"$(stats "$work/version-host")"

# 1. IPAM ADD+DEL.
: >"$work/ipam-spider"; : >"$work/ipam-host"
for ((i = 0; i < cycles; i++)); do
    for impl in spider host; do
        [ "$impl" = spider ] && plugin=spiderpool conf=$ipam_spider || { plugin=host-local; conf=$ipam_host; }
        start=${EPOCHREALTIME/./}
        call "$plugin" ADD "c$i" "$conf"; call "$plugin" DEL "c$i" "$conf"
        echo $((${EPOCHREALTIME/./} - start)) >>"$work/ipam-$impl"
    done
done
read -r s_med s_p90 <<<"$(stats "$work/ipam-spider")"; read -r h_med h_p90 <<<"$(stats "$work/ipam-host")"

# 2. The chain, in a Pod namespace per cycle, from a node namespace with an underlay bridge.
ip netns add bcni-node; ip -n bcni-node link set lo up
ip -n bcni-node link add ens192 type bridge forward_delay 0; ip -n bcni-node link set ens192 up
ip -n bcni-node address add 10.6.212.132/16 dev ens192
chain_cycles=$((cycles / 4))
mac_spider='{"cniVersion":"1.0.0","name":"m","type":"macvlan","master":"ens192","mode":"bridge","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"'"$work/store"'"}}'
mac_host='{"cniVersion":"1.0.0","name":"m","type":"macvlan","master":"ens192","mode":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"10.6.0.0/16","rangeStart":"10.6.100.1","rangeEnd":"10.6.110.254","gateway":"10.6.0.1"}]],"dataDir":"'"$work/host-local"'"}}'
: >"$work/chain-spider"; : >"$work/chain-host"
for ((i = 0; i < chain_cycles; i++)); do
    for impl in spider host; do
        pod="bcni-pod$i$impl"; ip netns add "$pod"
        ip -n "$pod" link add eth0 type veth peer name "ve$i$impl" netns bcni-node
        ip -n "$pod" link set eth0 up; ip -n "$pod" link set lo up; ip -n bcni-node link set "ve$i$impl" up
        # A fresh address per cycle and implementation: a deleted namespace's veth goes away asynchronously.
        addr="10.233.$([ "$impl" = spider ] && echo 64 || echo 65).$((i % 200 + 2))"
        ip -n "$pod" address add "$addr/32" dev eth0
        ip -n "$pod" route add 169.254.1.1 dev eth0 scope link; ip -n "$pod" route add default via 169.254.1.1 dev eth0
        ip -n bcni-node route add "$addr" dev "ve$i$impl" scope link
        start=${EPOCHREALTIME/./}
        if [ "$impl" = spider ]; then
            result=$(ip netns exec bcni-node bash -c "$(declare -f call); bin=$bin work=$work; call macvlan ADD k$i '$mac_spider' /var/run/netns/$pod net1; cat $work/out")
            conf='{"cniVersion":"1.0.0","name":"m","type":"coordinator","mode":"overlay","overlayPodCIDR":["10.233.64.0/18"],"serviceCIDR":["10.233.0.0/18"],"prevResult":'"$result"'}'
            # The same shape as the peer's branch: one shell for ADD of the chained plugin, its DEL and macvlan's DEL.
            ip netns exec bcni-node bash -c "$(declare -f call); bin=$bin work=$work; call coordinator ADD k$i '$conf' /var/run/netns/$pod net1; call coordinator DEL k$i '$conf' /var/run/netns/$pod net1; call macvlan DEL k$i '$mac_spider' /var/run/netns/$pod net1"
        else
            result=$(ip netns exec bcni-node bash -c "$(declare -f call); bin=$bin work=$work; call macvlan ADD k$i '$mac_host' /var/run/netns/$pod net1; cat $work/out")
            conf='{"cniVersion":"1.0.0","name":"m","type":"sbr","prevResult":'"$result"'}'
            ip netns exec bcni-node bash -c "$(declare -f call); bin=$bin work=$work; call sbr ADD k$i '$conf' /var/run/netns/$pod net1; call sbr DEL k$i '$conf' /var/run/netns/$pod net1; call macvlan DEL k$i '$mac_host' /var/run/netns/$pod net1"
        fi
        echo $((${EPOCHREALTIME/./} - start)) >>"$work/chain-$impl"
        ip netns delete "$pod"
    done
done
read -r cs_med cs_p90 <<<"$(stats "$work/chain-spider")"; read -r ch_med ch_p90 <<<"$(stats "$work/chain-host")"

# 3. 64 concurrent ADDs.
burst() {  # PLUGIN CONFIG PREFIX
    local start=${EPOCHREALTIME/./} i
    for ((i = 0; i < 64; i++)); do
        CNI_COMMAND=ADD CNI_CONTAINERID="$3$i" CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" \
            CNI_ARGS="IgnoreUnknown=1" "$bin/$1" <<<"$2" >/dev/null 2>&1 &
    done
    wait
    echo $(((${EPOCHREALTIME/./} - start) / 1000))
}
b_spider=$(burst spiderpool "$ipam_spider" burst)
b_host=$(burst host-local "$ipam_host" burst)
held_spider=$("$spiderctl" ip list --store "$work/store" -o json | grep -c '"containerID": "burst' || true)
distinct_spider=$("$spiderctl" ip list --store "$work/store" -o json | grep -A4 '"containerID": "burst' | grep -o '"ipv4": "[^"]*"' | sort -u | wc -l || true)
size_mib=$(awk -v b="$(stat -c %s "$cni_binary")" 'BEGIN { printf "%.1f", b / 1048576 }')

echo "## CNI plugins: ours vs the reference plugins ($(nproc) cores, $(date -u +%Y-%m-%d), spider-cni: release, fully static, $size_mib MiB)"
echo
echo "| measure | ours (median / p90) | peer (median / p90) | ours ÷ peer |"
echo "|---|---|---|---|"
echo "| VERSION as processes, $cycles cycles: spiderpool vs host-local | $v_med / $v_p90 ms | $vh_med / $vh_p90 ms | $(ratio "$v_med" "$vh_med")× |"
echo "| IPAM ADD+DEL as processes, $cycles cycles: spiderpool vs host-local | $s_med / $s_p90 ms | $h_med / $h_p90 ms | $(ratio "$s_med" "$h_med")× |"
echo "| chain ADD+DEL in a Pod, $chain_cycles cycles: macvlan+spiderpool+coordinator vs macvlan+host-local+sbr | $cs_med / $cs_p90 ms | $ch_med / $ch_p90 ms | $(ratio "$cs_med" "$ch_med")× |"
echo "| 64 concurrent IPAM ADDs (wall time; ours: $held_spider held, $distinct_spider distinct addresses) | $b_spider ms | $b_host ms | $(ratio "$b_spider" "$b_host")× |"
