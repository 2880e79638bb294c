#!/usr/bin/env bash
# Builds the benchmark target in release mode and runs it. Figures go to stdout as a Markdown table
# (copy them into Docs/PERFORMANCE.md with the date and this command).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_build_deps
swift build -c release --product spider-bench >&2
.build/release/spider-bench "$@"
