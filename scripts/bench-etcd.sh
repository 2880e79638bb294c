#!/usr/bin/env bash
# etcd ledger benchmark (not a test), side by side in one run:
#   1. ADD/s and DEL/s through IPAMService with 1 and 4 clients (threads, each its own
#      connections): etcd ledger vs the embedded ledger (spider-bench etcd);
#   2. the same 4 clients as CNI processes: 4 loops × N ADDs of the spiderpool plugin on etcd,
#      on the embedded ledger, and host-local on its directory.
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

work=$(mktemp -d /var/tmp/bench-etcd.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port); peer=$(free_port)
etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
     --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
     --initial-cluster "bench=http://127.0.0.1:$peer" --log-level warn >"$work/etcd.log" 2>&1 &
etcd_pid=$!
cleanup() { kill -9 "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; rm -rf "$work"; }
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
"$spiderctl" cni install --dir "$bin" >/dev/null
printf 'apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: bench\nspec:\n  subnet: 10.6.0.0/16\n  ips:\n  - 10.6.100.1-10.6.110.254\n' >"$work/pool.yaml"
"$spiderctl" pool apply -f "$work/pool.yaml" --store "etcd://127.0.0.1:$port/cni" >/dev/null
"$spiderctl" pool apply -f "$work/pool.yaml" --store "$work/store" >/dev/null
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"etcd://127.0.0.1:%s/cni"}}' "$port" >"$work/etcd.json"
printf '{"cniVersion":"1.0.0","name":"b","type":"spiderpool","ipam":{"type":"spiderpool","default_ipv4_ippool":["bench"],"store":"%s"}}' "$work/store" >"$work/embedded.json"
printf '{"cniVersion":"1.0.0","name":"b","type":"host-local","ipam":{"type":"host-local","ranges":[[{"subnet":"10.6.0.0/16","rangeStart":"10.6.100.1","rangeEnd":"10.6.110.254"}]],"dataDir":"%s"}}' "$work/host-local" >"$work/host.json"
node() {  # PLUGIN CONFIG NODE
    local i
    for ((i = 0; i < per; i++)); do
        env -i CNI_COMMAND=ADD CNI_CONTAINERID="$3-c$i" CNI_NETNS=/proc/self/ns/net CNI_IFNAME=eth0 CNI_PATH="$bin" \
            SPIDERPOOL_NODE_NAME="$3" "$bin/$1" <"$2" >/dev/null || { echo "error: $1 ADD $3-c$i failed" >&2; exit 1; }
    done
}
rate() {  # PLUGIN CONFIG CLIENTS -> ADD/s
    local start=${EPOCHREALTIME/./} n
    for ((n = 0; n < $3; n++)); do node "$1" "$2" "$1-$3-$n" & done
    wait
    awk -v n=$(($3 * per)) -v us=$((${EPOCHREALTIME/./} - start)) 'BEGIN { printf "%d", n / (us / 1e6) }'
}
e1=$(rate spiderpool "$work/etcd.json" 1); m1=$(rate spiderpool "$work/embedded.json" 1); h1=$(rate host-local "$work/host.json" 1)
e4=$(rate spiderpool "$work/etcd.json" 4); m4=$(rate spiderpool "$work/embedded.json" 4); h4=$(rate host-local "$work/host.json" 4)
echo "### CNI processes (one process per ADD, $per ADDs per client)"
echo
echo "| clients | spiderpool on etcd | spiderpool on the embedded ledger | host-local | etcd ÷ host-local |"
echo "|---|---|---|---|---|"
echo "| 1 | $e1 ADD/s | $m1 ADD/s | $h1 ADD/s | $(awk -v a="$e1" -v b="$h1" 'BEGIN { printf "%.2f", a / b }')× |"
echo "| 4 | $e4 ADD/s | $m4 ADD/s | $h4 ADD/s | $(awk -v a="$e4" -v b="$h4" 'BEGIN { printf "%.2f", a / b }')× |"
