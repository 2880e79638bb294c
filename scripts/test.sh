#!/usr/bin/env bash
# Runs every test of the project: installs what is missing, builds, runs the whole suite.
# The golden cases are read from ../shared/golden (or $SPIDER_SHARED_DIR/golden).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_test_deps
shared="${SPIDER_SHARED_DIR:-../shared}"
if [ ! -d "$shared/golden" ]; then
    echo "error: $shared/golden not found: the shared/ folder must sit beside the project root (or set SPIDER_SHARED_DIR)" >&2
    exit 1
fi
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
# The whole suite (no filter) also fuzzes every outside-input parser for a bounded time and
# builds each library's DocC documentation with warnings as errors.
if [ $# -eq 0 ]; then
    scripts/fuzz.sh "${SPIDER_FUZZ_SECONDS:-15}"
    scripts/docs.sh
fi
