#!/usr/bin/env bash
# The quick start: installs what is missing, builds spiderctl and shows what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_build_deps
swift build --product spiderctl >&2
spiderctl=.build/debug/spiderctl
run() { echo "\$ spiderctl $*"; "$spiderctl" "$@"; echo; }
run --help
run range count 10.6.212.100-10.6.212.200 --exclude 10.6.212.150
run range merge 10.6.212.100-10.6.212.200 10.6.212.201-10.6.212.250 --exclude 10.6.212.150
run range count fd00::/64 --exclude fd00::1-fd00::ff
run range nth 0 10.6.0.0/16 --exclude 10.6.0.0-10.6.0.99
