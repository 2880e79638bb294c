#!/usr/bin/env bash
# Runs every test of the project: installs what is missing, builds, runs the whole suite.
# The golden cases are read from Tests/Fixtures/golden: the clone needs nothing beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_test_deps
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
# The whole suite (no filter) also fuzzes every outside-input parser for a bounded time and
# builds each library's DocC documentation with warnings as errors.
if [ $# -eq 0 ]; then
    scripts/fuzz.sh "${SPIDER_FUZZ_SECONDS:-15}"
    scripts/docs.sh
fi
