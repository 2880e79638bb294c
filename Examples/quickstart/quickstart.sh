#!/usr/bin/env bash
# The Spiderpool quick start (Calico eth0 + Macvlan net1, coordinator in overlay mode) on one
# machine, with network namespaces:
#
#   spq-out  (10.7.212.101, "outside host")
#      |  10.7.212.0/24
#   spq-gw   (router: 10.7.212.1 and the underlay gateway 10.6.0.1)
#      |  10.6.0.0/16 underlay segment
#   spq-node (the node: bridge ens192 10.6.212.132, forwarding on)
#      |-- ptp veth  --> spq-pod1 eth0, spq-pod2 eth0   (the real `ptp` plugin, standing in for Calico)
#      |-- macvlan   --> spq-pod1 net1                   (the real `macvlan` plugin + our `spiderpool` IPAM)
#   then our `coordinator` (overlay) on spq-pod1's net1.
#
# Prints the Pod's rules and tables, proves connectivity with ping, then tears everything down.
# Run as root. The plugins are the lean, fully static CNI binary (scripts/build-cni.sh).
# SPIDERCTL=/path/to/spiderctl skips the builds (the spider-cni beside it is installed);
# SPIDER_CNI=/path/to/spider-cni names the CNI binary.
#
#   quickstart.sh           pools and allocations in the embedded ledger (a directory)
#   quickstart.sh --etcd    in etcd instead: one started on the node (127.0.0.1:2379 in spq-node),
#                           with the node agent (spiderctl agent) serving the plugin's ADDs and
#                           its metrics on 127.0.0.1:5711 in spq-node
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/deps.sh
use_etcd=0
for argument in "$@"; do
    case "$argument" in
        --etcd) use_etcd=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument '$argument' (try --etcd)" >&2; exit 1 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: the quick start creates network namespaces: run it as root" >&2; exit 1; }
ensure_build_deps
apt_install iproute2 iptables util-linux iputils-ping containernetworking-plugins
[ "$use_etcd" -eq 1 ] && apt_install etcd-server
if [ -z "${SPIDERCTL:-}" ]; then
    swift build --product spiderctl >&2
    SPIDERCTL="$(swift build --show-bin-path)/spiderctl"
    # The plugins as they should be installed: the lean, fully static CNI binary.
    SPIDER_CNI="${SPIDER_CNI:-$(bash scripts/build-cni.sh | tail -n 1)}"
fi
# Without SPIDER_CNI, `cni install` takes the spider-cni built beside spiderctl.
install_args=()
[ -n "${SPIDER_CNI:-}" ] && install_args=(--binary "$SPIDER_CNI")

work=$(mktemp -d /tmp/spiderpool-quickstart.XXXXXX)
bin="$work/bin"; store="$work/store"
mkdir -p "$bin"
for plugin in ptp macvlan host-local; do ln -s "/usr/lib/cni/$plugin" "$bin/$plugin"; done
"$SPIDERCTL" cni install --dir "$bin" "${install_args[@]}" >/dev/null

ns() { ip netns exec "$@"; }
etcd_pid=""
agent_pid=""
cleanup() {
    set +e
    if [ -n "$agent_pid" ]; then kill -9 "$agent_pid"; wait "$agent_pid"; fi
    # SIGKILL: its data goes with $work, and a SIGTERM may be ignored by what started us.
    if [ -n "$etcd_pid" ]; then kill -9 "$etcd_pid"; wait "$etcd_pid"; fi
    for n in spq-pod1 spq-pod2 spq-node spq-gw spq-out; do ip netns delete "$n" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cleanup 2>/dev/null; mkdir -p "$bin" "$store"
for plugin in ptp macvlan host-local; do ln -sf "/usr/lib/cni/$plugin" "$bin/$plugin"; done
"$SPIDERCTL" cni install --dir "$bin" "${install_args[@]}" >/dev/null

step() { printf '\n== %s\n' "$*"; }

step "the underlay: outside host, router with gateway 10.6.0.1, node bridge ens192"
for n in spq-out spq-gw spq-node spq-pod1 spq-pod2; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n spq-out link add out0 type veth peer name gw1 netns spq-gw
ip -n spq-out address add 10.7.212.101/24 dev out0; ip -n spq-out link set out0 up
ip -n spq-out route add default via 10.7.212.1
ip -n spq-gw address add 10.7.212.1/24 dev gw1; ip -n spq-gw link set gw1 up
ip -n spq-node link add ens192 type bridge forward_delay 0; ip -n spq-node link set ens192 up
ip -n spq-node address add 10.6.212.132/16 dev ens192
ip -n spq-gw link add gw0 type veth peer name gwp netns spq-node
ip -n spq-gw address add 10.6.0.1/16 dev gw0; ip -n spq-gw link set gw0 up
ip -n spq-node link set gwp master ens192; ip -n spq-node link set gwp up
ip -n spq-node route add default via 10.6.0.1
ns spq-gw sysctl -qw net.ipv4.ip_forward=1
ns spq-node sysctl -qw net.ipv4.ip_forward=1

if [ "$use_etcd" -eq 1 ]; then
    step "etcd on the node, and the store in it"
    ip netns exec spq-node etcd --name quickstart --data-dir "$work/etcd" --listen-client-urls http://127.0.0.1:2379 \
        --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
        --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster quickstart=http://127.0.0.1:2380 \
        --log-level warn >"$work/etcd.log" 2>&1 &
    etcd_pid=$!
    store="etcd://127.0.0.1:2379/quickstart"
    for _ in $(seq 100); do ns spq-node "$SPIDERCTL" pool get --store "$store" >/dev/null 2>&1 && break; sleep 0.1; done
    echo "store: $store"

    step "the node agent: warm ADDs over $work/agent.sock, metrics on 127.0.0.1:5711"
    # `ip netns exec` itself, not the ns function: $! must be the agent's own pid.
    ip netns exec spq-node "$SPIDERCTL" agent --store "$store" --socket "$work/agent.sock" --metrics-address 127.0.0.1:5711 \
        2>"$work/agent.log" &
    agent_pid=$!
    for _ in $(seq 100); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done
    agent_ipam=',"agent_socket":"'"$work/agent.sock"'"'
fi
# /metrics of the agent in spq-node, with bash alone.
metrics() { ns spq-node bash -c 'exec 3<>/dev/tcp/127.0.0.1/5711; printf "GET /metrics HTTP/1.0\r\n\r\n" >&3; cat <&3' | grep '^spiderpool_'; }

step "the pool from Spiderpool's docs"
ns spq-node "$SPIDERCTL" pool apply -f Examples/quickstart/10-6-v4.yaml --store "$store"

cni() {  # cni COMMAND NETNS IFNAME CONTAINERID PLUGIN CONFIG
    ns spq-node env CNI_COMMAND="$1" CNI_NETNS="/var/run/netns/$2" CNI_IFNAME="$3" CNI_CONTAINERID="$4" \
        CNI_PATH="$bin" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$2" "$bin/$5" <<<"$6"
}
ptp_conf='{"cniVersion":"1.0.0","name":"calico-standin","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.233.64.0/18"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"'"$work/host-local"'"}}'
macvlan_conf='{"cniVersion":"1.0.0","name":"macvlan-ens192","type":"macvlan","master":"ens192","mode":"bridge","ipam":{"type":"spiderpool","default_ipv4_ippool":["10-6-v4"],"store":"'"$store"'"'"${agent_ipam:-}"'}}'

step "eth0 of both Pods from the real ptp plugin (the Calico stand-in)"
cni ADD spq-pod1 eth0 pod1 ptp "$ptp_conf" >/dev/null
cni ADD spq-pod2 eth0 pod2 ptp "$ptp_conf" >/dev/null
pod1_eth0=$(ip -n spq-pod1 -4 -o address show eth0 | awk '{print $4}' | cut -d/ -f1)
pod2_eth0=$(ip -n spq-pod2 -4 -o address show eth0 | awk '{print $4}' | cut -d/ -f1)

step "net1 of pod1 from the real macvlan plugin with our spiderpool IPAM"
macvlan_result=$(cni ADD spq-pod1 net1 pod1 macvlan "$macvlan_conf")
pod1_net1=$(ip -n spq-pod1 -4 -o address show net1 | awk '{print $4}' | cut -d/ -f1)
echo "eth0 $pod1_eth0, net1 $pod1_net1"

if [ "$use_etcd" -eq 1 ]; then
    step "the agent served that ADD: its metrics"
    metrics | grep -E 'ippool|requests_total|outcome="served"'
fi

step "our coordinator, chained after macvlan (overlay mode)"
coordinator_conf='{"cniVersion":"1.0.0","name":"macvlan-ens192","type":"coordinator","mode":"overlay","overlayPodCIDR":["10.233.64.0/18"],"serviceCIDR":["10.233.0.0/18"],"tunePodRoutes":true,"hostRuleTable":500,"podRPFilter":0,"prevResult":'"$macvlan_result"'}'
cni ADD spq-pod1 net1 pod1 coordinator "$coordinator_conf" >/dev/null
echo "a second ADD changes nothing:"; cni ADD spq-pod1 net1 pod1 coordinator "$coordinator_conf" >/dev/null && echo "  ok"

step "pod1: ip rule"
ip -n spq-pod1 rule
for t in main 100 101; do step "pod1: ip route show table $t"; ip -n spq-pod1 route show table "$t"; done

failures=0
check() {  # check DESCRIPTION COMMAND...
    if "${@:2}" >/dev/null 2>&1; then echo "  ok    $1"; else echo "  FAIL  $1"; failures=$((failures + 1)); fi
}
step "the tables have the docs' shape"
check "from $pod1_eth0 lookup 100"        sh -c "ip -n spq-pod1 rule | grep -q 'from $pod1_eth0 lookup 100'"
check "from $pod1_net1 lookup 101"        sh -c "ip -n spq-pod1 rule | grep -q 'from $pod1_net1 lookup 101'"
# The node address that faces the Pod is the one the node's kernel picks to reach it (with ptp,
# the address of the host end of the veth).
node_ip=$(ns spq-node ip -4 route get "$pod1_eth0" | sed -n 's/.* src \([0-9.]*\).*/\1/p')
check "cluster Pod CIDR via the node ($node_ip) on eth0" sh -c "ip -n spq-pod1 route | grep -q '10.233.64.0/18 via $node_ip dev eth0'"
check "Service CIDR via the node ($node_ip) on eth0"     sh -c "ip -n spq-pod1 route | grep -q '10.233.0.0/18 via $node_ip dev eth0'"
check "table 101: net1's default route"   sh -c "ip -n spq-pod1 route show table 101 | grep -q 'default via 10.6.0.1 dev net1'"

step "connectivity"
check "pod1 -> node (10.6.212.132)"                       ns spq-pod1 ping -c1 -W2 10.6.212.132
check "pod1 -> pod2 over eth0 ($pod2_eth0)"               ns spq-pod1 ping -c1 -W2 "$pod2_eth0"
check "pod1 -> outside host 10.7.212.101 over net1"       ns spq-pod1 ping -c1 -W2 -I "$pod1_net1" 10.7.212.101
check "outside host -> pod1's underlay IP ($pod1_net1)"   ns spq-out ping -c1 -W2 "$pod1_net1"

step "teardown: DEL (twice), then the store holds nothing"
for round in 1 2; do
    cni DEL spq-pod1 net1 pod1 coordinator "$coordinator_conf"
    cni DEL spq-pod1 net1 pod1 macvlan "$macvlan_conf"
done
cni DEL spq-pod1 eth0 pod1 ptp "$ptp_conf"; cni DEL spq-pod2 eth0 pod2 ptp "$ptp_conf"
check "no address left in the pool" sh -c "[ \"\$(ip netns exec spq-node '$SPIDERCTL' ip list --store '$store' -o json | tr -d ' \n')\" = '[]' ]"
check "no route left in the node's table 500" sh -c "[ -z \"\$(ip -n spq-node route show table 500)\" ]"
if [ "$use_etcd" -eq 1 ]; then
    step "the agent's metrics after the teardown"
    metrics | grep -E 'ippool|requests_total'
    check "the agent served the macvlan ADD" sh -c "ip netns exec spq-node bash -c 'exec 3<>/dev/tcp/127.0.0.1/5711; printf \"GET /metrics HTTP/1.0\r\n\r\n\" >&3; cat <&3' | grep -q 'spiderpool_agent_calls_total{outcome=\"served\"} 1'"
    check "the pool gauge shows no address held" sh -c "ip netns exec spq-node bash -c 'exec 3<>/dev/tcp/127.0.0.1/5711; printf \"GET /metrics HTTP/1.0\r\n\r\n\" >&3; cat <&3' | grep -q 'spiderpool_ippool_allocated_ips{pool=\"10-6-v4\"} 0'"
    kill -TERM "$agent_pid"; wait "$agent_pid"; agent_pid=""
    check "the agent stopped on SIGTERM and removed its socket" sh -c "[ ! -e '$work/agent.sock' ]"
fi

if [ "$failures" -ne 0 ]; then echo; echo "quick start: $failures check(s) failed" >&2; exit 1; fi
echo; echo "quick start: all checks passed"
