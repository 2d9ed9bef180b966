#!/usr/bin/env bash
# kolmo's main job on real data: compress, list, test, decompress and compare, then benchmark
# against xz, zstd, brotli, bzip2 and gzip. Uses FILE if given, else alice29.txt from
# ../shared/data (or $KOLMO_DATA) when present, else a tar of kolmo's own sources and docs.
# Expects the Release build at build/ (see README).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kolmo="$root/build/kolmo"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

data="${KOLMO_DATA:-$root/../shared/data}"
if [ $# -ge 1 ]; then input="$1"
elif [ -f "$data/text/canterbury/alice29.txt" ]; then input="$data/text/canterbury/alice29.txt"
else
  input="$work/kolmo-sources.tar"
  tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 -cf "$input" include src docs
fi
cp "$input" "$work/sample"
echo "input: $input ($(stat -c %s "$work/sample") bytes)"

for codec in zstd o2 cm; do
  "$kolmo" -v -f --codec "$codec" "$work/sample" -o "$work/sample.$codec.kmo"
  "$kolmo" -l "$work/sample.$codec.kmo"
  "$kolmo" -t "$work/sample.$codec.kmo"
  "$kolmo" -d -f "$work/sample.$codec.kmo" -o "$work/sample.$codec.out"
  cmp "$work/sample" "$work/sample.$codec.out"
  echo "$codec: round trip byte-identical"
done
"$kolmo" bench --codec kmo:zstd,kmo:o2,kmo:cm,xz:9e,zstd:19,brotli:11,bzip2:9,gzip:9 "$work/sample"
