#!/usr/bin/env bash
# Builds the CNI plugin binary `spider-cni` as it should be installed: release mode, fully static
# (-static-executable: the Swift runtime and glibc inside, no dynamic loader at start-up), in its
# own build folder. Prints the binary's absolute path as the last line of standard output
# (everything else goes to stderr):
#
#   spiderctl cni install --dir /opt/cni/bin --binary "$(scripts/build-cni.sh | tail -n 1)"
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_build_deps >&2
scratch=.build-cni
flags=(-c release --product spider-cni --scratch-path "$scratch" -Xswiftc -static-executable -Xlinker -s)
swift build "${flags[@]}" >&2
bin="$(swift build "${flags[@]}" --show-bin-path)/spider-cni"
if ! file -L "$bin" | grep -q "statically linked"; then
    echo "error: $bin is not statically linked: $(file -L "$bin")" >&2
    exit 1
fi
echo "$(cd "$(dirname "$bin")" && pwd -P)/spider-cni"
