#!/bin/bash
# Timing script for statesmix (no timed assertions live in tests). For each FILE: compress with
# -T$THREADS (default 1) into OUTDIR, decompress with the same -T, compare, and print size, bpb,
# tokens, ve, CPU (user + system) and wall seconds and tokens per CPU and per wall second for
# both directions. The token count and ve are read from the
# first block's payload (one block per file up to the default 8 MiB block size).
#   usage: [THREADS=2] src/codecs/statesmix/measure.sh KOLMO_BINARY OUTDIR FILE...
set -euo pipefail
kolmo=$1; out=$2; shift 2
threads=${THREADS:-1}
mkdir -p "$out"
for f in "$@"; do
  b=$(basename "$f")
  /usr/bin/time -f "%U %S %e" -o "$out/$b.tenc" "$kolmo" --codec statesmix -T"$threads" -q -f -c "$f" > "$out/$b.kmo"
  /usr/bin/time -f "%U %S %e" -o "$out/$b.tdec" "$kolmo" -d -T"$threads" -q -c "$out/$b.kmo" > "$out/$b.out"
  cmp -s "$f" "$out/$b.out" && ok=identical || ok=MISMATCH
  rm -f "$out/$b.out"
  python3 - "$f" "$out/$b.kmo" "$out/$b.tenc" "$out/$b.tdec" "$ok" "$threads" <<'PY'
import os, sys
src, kmo, tenc, tdec, ok, threads = sys.argv[1:]
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
def times(path):
    user, system, wall = map(float, open(path).read().split()[-3:])
    return user + system, wall
ec, ew = times(tenc)
dc, dw = times(tdec)
print(f"{src} -T{threads}: {size} B -> {csize} B, {csize * 8 / size:.4f} bpb, tokens {n}, ve {ve}, "
      f"{csize * 8 / n:.3f} bits/token; encode {ec:.1f} s CPU ({n / ec:.0f} tok/CPU-s) "
      f"{ew:.1f} s wall ({n / ew:.0f} tok/s); decode {dc:.1f} s CPU ({n / dc:.0f} tok/CPU-s) "
      f"{dw:.1f} s wall ({n / dw:.0f} tok/s); round trip {ok}")
PY
done
