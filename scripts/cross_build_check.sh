#!/usr/bin/env bash
# Cross-build check: files written by one kolmo build must decode with another, and both builds
# must write the same bytes (the model codecs replay their models bit for bit, so the compiler,
# optimisation level and thread count never change a file).
# Usage: scripts/cross_build_check.sh KOLMO_A KOLMO_B
#   A encodes with -T 1 and B with -T 2; each decodes what the other wrote.
# Inputs are made here (text from docs/, a generated log, random bytes); statesmix runs only
# where its tokenizer is found ($KOLMO_DATA or ../shared, as the codec looks it up).
set -uo pipefail

a="$1"; b="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Inputs small enough for a -O0 or sanitizer build (cm:9 decodes a few KB/s there).
cat "$root"/docs/*.md | head -c 24000 >"$work/text"
for i in $(seq 1 400); do
  printf '2026-11-27 14:%02d:%02d,%03d INFO dfs.DataNode: Receiving block blk_%d src: /10.0.%d.%d:%d\n' \
    $((i / 60 % 60)) $((i % 60)) $((i * 7 % 1000)) $((i * 7919)) $((i % 7)) $((i % 251)) $((50000 + i))
done >"$work/log"
head -c 6000 /dev/urandom >"$work/random"
: >"$work/empty"

status=0
check() {  # check CODEC INPUT
  local codec="$1" in="$work/$2" tag="$1-$2"
  local fa="$work/$tag.a.kmo" fb="$work/$tag.b.kmo"
  if ! "$a" -q -T 1 --codec "$codec" -c "$in" >"$fa" 2>"$work/err"; then
    if [ "$codec" = statesmix ] && grep -q -i tokenizer "$work/err"; then
      echo "   $tag: skipped (no statesmix tokenizer here)"; return 0
    fi
    echo "   $tag: FAILED to encode with A: $(cat "$work/err")"; status=1; return 1
  fi
  "$b" -q -T 2 --codec "$codec" -c "$in" >"$fb" 2>"$work/err" ||
    { echo "   $tag: FAILED to encode with B: $(cat "$work/err")"; status=1; return 1; }
  if ! cmp -s "$fa" "$fb"; then echo "   $tag: FAILED: the two builds wrote different files"; status=1; fi
  if ! "$b" -q -T 2 -dc "$fa" 2>"$work/err" | cmp -s - "$in"; then
    echo "   $tag: FAILED: B does not restore A's file: $(cat "$work/err")"; status=1
  fi
  if ! "$a" -q -T 1 -dc "$fb" 2>"$work/err" | cmp -s - "$in"; then
    echo "   $tag: FAILED: A does not restore B's file: $(cat "$work/err")"; status=1
  fi
}

for codec in cm:1 cm:5 cm:9 o2 zstd; do
  for in in text random empty; do check "$codec" "$in"; done
done
for codec in log log:fast log:max log:logzip; do check "$codec" log; done
check statesmix text
head -c 3000 "$work/text" >"$work/short"; check statesmix short
[ "$status" -eq 0 ] && echo "   cross-build check: every file identical and restored"
exit "$status"
