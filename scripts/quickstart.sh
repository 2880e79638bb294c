#!/usr/bin/env bash
# The quick start: installs what is missing, builds spiderctl, and runs the Spiderpool quick start
# (Calico-like eth0 + Macvlan net1 with our IPAM, coordinator in overlay mode) on this machine in
# network namespaces, with its checks; then tears it down. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash Examples/quickstart/quickstart.sh "$@"
