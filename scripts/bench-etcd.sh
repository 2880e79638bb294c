#!/usr/bin/env bash
# etcd ledger benchmark (not a test), side by side in one run:
#   1. ADD/s and DEL/s through IPAMService with 1 and 4 clients (threads, each its own
#      connections): etcd ledger vs the embedded ledger (spider-bench etcd);
#   2. the same 4 clients as CNI processes: 4 loops × N ADDs of the spiderpool plugin on etcd
#      and on the embedded ledger, each without and through the node agent (spiderctl agent),
#      and host-local on its directory; and the agent's resident memory with 10,000
#      allocations in the store.
# etcd runs on a free loopback port with its data on disk (it fsyncs every write), as a real one.
#
#   scripts/bench-etcd.sh [ADDS]      (default 400 for part 1; part 2 runs 4 × ADDS/4)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
export LC_ALL=C
ensure_build_deps
apt_install etcd-server containernetworking-plugins
adds="${1:-400}"
per=$((adds / 4))

swift build -c release --product spider-bench >&2
bench="$(swift build -c release --show-bin-path)/spider-bench"
swift build -c release --static-swift-stdlib --scratch-path .build-static --product spiderctl >&2
spiderctl="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/spiderctl"
cni="$(scripts/build-cni.sh | tail -n 1)"

work=$(mktemp -d /var/tmp/bench-etcd.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port); peer=$(free_port)
etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
     --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
     --initial-cluster "bench=http://127.0.0.1:$peer" --log-level warn >"$work/etcd.log" 2>&1 &
etcd_pid=$!
agent_pid=""
cleanup() {
    [ -n "$agent_pid" ] && { kill -9 "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; }
    kill -9 "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do "$spiderctl" pool get --store "etcd://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done

echo "## etcd ledger ($(nproc) cores, $(date -u +%Y-%m-%d), release build, etcd $(etcd --version | awk 'NR==1 {print $3}') with its data on disk)"
echo
echo "### IPAMService clients in one process"
echo
"$bench" etcd "etcd://127.0.0.1:$port/bench" "$adds"
echo

# 2. CNI processes.
bin="$work/bin"; mkdir -p "$bin"; ln -s /usr/lib/cni/host-local "$bin/host-local"
"$spiderctl" cni install --dir "$bin" --binary "$cni" >/dev/null
printf 'apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: bench\nspec:\n  subnet: 10.6.0.0/16\n  ips:\n  - 10.6.100.1-10.6.110.254\n' >"$work/pool.yaml"
"$spiderctl" pool apply -f "$work/pool.yaml" --store "etcd://127.0.0.1:$port/cni" >/dev/null
"$spiderctl" pool apply -f "$work/pool.yaml" --store "$work/store" >/dev/null
"$spiderctl" pool apply -f "$work/pool.yaml" --store "etcd://127.0.0.1:$port/agent" >/dev/null
"$spiderctl" pool apply -f "$work/pool.yaml" --store "$work/agent-store" >/dev/null
# Without an agent (agent_socket empty), and through one.
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"etcd://127.0.0.1:%s/cni","agent_socket":""}}' "$port" >"$work/etcd.json"
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"%s","agent_socket":""}}' "$work/store" >"$work/embedded.json"
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"etcd://127.0.0.1:%s/agent","agent_socket":"%s"}}' "$port" "$work/etcd-agent.sock" >"$work/etcd-agent.json"
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"%s","agent_socket":"%s"}}' "$work/agent-store" "$work/embedded-agent.sock" >"$work/embedded-agent.json"
start_agent() {  # STORE SOCKET
    "$spiderctl" agent --store "$1" --socket "$2" --metrics-address 127.0.0.1:0 --log-level warning 2>>"$work/agent.log" &
    agent_pid=$!
    for _ in $(seq 100); do [ -S "$2" ] && return; sleep 0.1; done
    echo "error: the agent did not start: $(cat "$work/agent.log")" >&2; exit 1
}
stop_agent() { kill -TERM "$agent_pid"; wait "$agent_pid" || true; agent_pid=""; }
printf '{"cniVersion":"1.0.0","name":"b","type":"host-local","ipam":{"type":"host-local","ranges":[[{"subnet":"10.6.0.0/16","rangeStart":"10.6.100.1","rangeEnd":"10.6.110.254"}]],"dataDir":"%s"}}' "$work/host-local" >"$work/host.json"
printf '{"cniVersion":"1.0.0","name":"b","type":"host-local","ipam":{"type":"host-local","ranges":[[{"subnet":"10.6.0.0/16","rangeStart":"10.6.100.1","rangeEnd":"10.6.110.254"}]],"dataDir":"%s"}}' "$work/host-local-2" >"$work/host-2.json"
node() {  # PLUGIN CONFIG NODE
    local i
    for ((i = 0; i < per; i++)); do
        env -i CNI_COMMAND=ADD CNI_CONTAINERID="$3-c$i" CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" \
            SPIDERPOOL_NODE_NAME="$3" "$bin/$1" <"$2" >/dev/null || { echo "error: $1 ADD $3-c$i failed" >&2; kill -TERM $$; exit 1; }
    done
}
rate() {  # PLUGIN CONFIG CLIENTS [TAG] -> ADD/s
    local start=${EPOCHREALTIME/./} n
    for ((n = 0; n < $3; n++)); do node "$1" "$2" "$1-${4:-}$3-$n" & done
    wait
    awk -v n=$(($3 * per)) -v us=$((${EPOCHREALTIME/./} - start)) 'BEGIN { printf "%d", n / (us / 1e6) }'
}
e1=$(rate spiderpool "$work/etcd.json" 1); m1=$(rate spiderpool "$work/embedded.json" 1); h1=$(rate host-local "$work/host.json" 1)
e4=$(rate spiderpool "$work/etcd.json" 4); m4=$(rate spiderpool "$work/embedded.json" 4); h4=$(rate host-local "$work/host.json" 4)
start_agent "etcd://127.0.0.1:$port/agent" "$work/etcd-agent.sock"
sleep 0.5  # the agent's view of the store: read, then followed
# host-local beside it from an empty directory too, so both hold the same count at each row.
a1=$(rate spiderpool "$work/etcd-agent.json" 1 a); ha1=$(rate host-local "$work/host-2.json" 1 a)
a4=$(rate spiderpool "$work/etcd-agent.json" 4 a); ha4=$(rate host-local "$work/host-2.json" 4 a)
served=$("$spiderctl" ip list --store "etcd://127.0.0.1:$port/agent" -o json | grep -c '"containerID"' || true)
stop_agent
start_agent "$work/agent-store" "$work/embedded-agent.sock"
b1=$(rate spiderpool "$work/embedded-agent.json" 1 b); b4=$(rate spiderpool "$work/embedded-agent.json" 4 b)
stop_agent
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "### CNI processes (one process per ADD, $per ADDs per client)"
echo
echo "Each row's runs start from the same number of held addresses (host-local in a directory of its own for the agent's column); the etcd store behind the agent holds $served records after its $((per * 5)) ADDs."
echo
echo "| clients | spiderpool on etcd | on etcd through the agent | on the embedded ledger | embedded, through the agent | host-local (beside each) | etcd ÷ host-local | etcd through the agent ÷ host-local |"
echo "|---|---|---|---|---|---|---|---|"
echo "| 1 | $e1 ADD/s | $a1 ADD/s | $m1 ADD/s | $b1 ADD/s | $h1 / $ha1 ADD/s | $(ratio "$e1" "$h1")× | **$(ratio "$a1" "$ha1")×** |"
echo "| 4 | $e4 ADD/s | $a4 ADD/s | $m4 ADD/s | $b4 ADD/s | $h4 / $ha4 ADD/s | $(ratio "$e4" "$h4")× | **$(ratio "$a4" "$ha4")×** |"
echo

# 3. The agent's memory with 10,000 allocations in the store (etcd), after serving ADDs.
printf 'apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: bench\nspec:\n  subnet: 10.7.0.0/16\n  ips:\n  - 10.7.0.1-10.7.63.254\n' >"$work/big.yaml"
"$spiderctl" pool apply -f "$work/big.yaml" --store "etcd://127.0.0.1:$port/rss" >/dev/null
"$bench" fill "etcd://127.0.0.1:$port/rss" bench 10000 >&2
start_agent "etcd://127.0.0.1:$port/rss" "$work/rss.sock"
sleep 1
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"etcd://127.0.0.1:%s/rss","agent_socket":"%s"}}' "$port" "$work/rss.sock" >"$work/rss.json"
for ((i = 0; i < 50; i++)); do
    env -i CNI_COMMAND=ADD CNI_CONTAINERID="rss-$i" CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" "$bin/spiderpool" <"$work/rss.json" >/dev/null
done
held=$("$spiderctl" ip list --store "etcd://127.0.0.1:$port/rss" -o json | grep -c '"containerID"' || true)
rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$agent_pid/status")
hwm=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$agent_pid/status")
stop_agent
echo "### The agent's memory"
echo
echo "With $held allocations in the etcd store, after 50 ADDs through it: resident $rss MiB (peak $hwm MiB)."
