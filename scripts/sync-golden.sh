#!/usr/bin/env bash
# Copies golden cases into Tests/Fixtures/golden, byte for byte, from a folder laid out like it
# (coordinator/, detect/, ip/, multus/ and a README.md that becomes FORMAT.md), then lists what
# changed. Existing files are replaced only by the source's bytes; nothing here is deleted.
#
#   scripts/sync-golden.sh SOURCE-GOLDEN-DIR
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:?usage: scripts/sync-golden.sh SOURCE-GOLDEN-DIR}"
[ -d "$src" ] || { echo "error: $src is not a directory" >&2; exit 1; }
dst=Tests/Fixtures/golden
for dir in "$src"/*/; do
    name=$(basename "$dir")
    mkdir -p "$dst/$name"
    for f in "$dir"*; do
        [ -f "$f" ] || continue
        target="$dst/$name/$(basename "$f")"
        if ! cmp -s "$f" "$target"; then
            cp "$f" "$target" && chmod 0644 "$target"
            echo "copied $name/$(basename "$f")"
        fi
    done
done
if [ -f "$src/README.md" ] && ! cmp -s "$src/README.md" "$dst/FORMAT.md"; then
    cp "$src/README.md" "$dst/FORMAT.md" && chmod 0644 "$dst/FORMAT.md"
    echo "copied README.md as FORMAT.md"
fi
diff -r -x README.md -x FORMAT.md "$src" "$dst" && echo "in sync: every file of $src has an identical copy in $dst"
