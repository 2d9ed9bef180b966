#!/bin/bash
# Timing script for statesmix (no timed assertions live in tests). For each FILE: compress with
# -T1 into OUTDIR, decompress, compare, and print size, bpb, tokens, ve, CPU (user) and wall
# seconds and tokens per CPU second for both directions. The token count and ve are read from the
# first block's payload (one block per file up to the default 8 MiB block size).
#   usage: src/codecs/statesmix/measure.sh KOLMO_BINARY OUTDIR FILE...
set -euo pipefail
kolmo=$1; out=$2; shift 2
mkdir -p "$out"
for f in "$@"; do
  b=$(basename "$f")
  /usr/bin/time -f "%U %e" -o "$out/$b.tenc" "$kolmo" --codec statesmix -T1 -q -f -c "$f" > "$out/$b.kmo"
  /usr/bin/time -f "%U %e" -o "$out/$b.tdec" "$kolmo" -d -q -c "$out/$b.kmo" > "$out/$b.out"
  cmp -s "$f" "$out/$b.out" && ok=identical || ok=MISMATCH
  rm -f "$out/$b.out"
  python3 - "$f" "$out/$b.kmo" "$out/$b.tenc" "$out/$b.tdec" "$ok" <<'PY'
import os, sys
src, kmo, tenc, tdec, ok = sys.argv[1:]
data = open(kmo, 'rb').read()
def varint(buf, pos):
    v = shift = 0
    while True:
        b = buf[pos]; pos += 1
        v |= (b & 0x7f) << shift; shift += 7
        if b < 0x80: return v, pos
plen = data[16 + 3]
n, pos = varint(data, 16 + 16 + plen)
ve, _ = varint(data, pos)
size, csize = os.path.getsize(src), len(data)
eu, ew = map(float, open(tenc).read().split()[-2:])
du, dw = map(float, open(tdec).read().split()[-2:])
print(f"{src}: {size} B -> {csize} B, {csize * 8 / size:.4f} bpb, tokens {n}, ve {ve}, "
      f"{csize * 8 / n:.3f} bits/token; encode {eu:.1f} s CPU ({n / eu:.0f} tok/s) {ew:.1f} s wall; "
      f"decode {du:.1f} s CPU ({n / du:.0f} tok/s) {dw:.1f} s wall; round trip {ok}")
PY
done
