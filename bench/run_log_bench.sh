#!/usr/bin/env bash
# The log codec's table on the 16 Loghub 2k samples: input bytes, then ratio (input / output) of
# xz -9e, zstd -19, log:logzip, log and log:fast, with geometric means. Every kolmo output is
# decompressed and compared with its input before its size counts.
#   bash bench/run_log_bench.sh [KOLMO_BINARY] [DATA_DIR]
set -euo pipefail
KOLMO=${1:-build/kolmo}
DATA=${2:-${KOLMO_DATA:-$(dirname "$0")/../../shared/data}/logs/loghub-2k}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CODECS=("log:logzip" "log" "log:fast")

kolmo_size() {  # codec file -> compressed bytes (after a verified round trip)
  "$KOLMO" -q -c -T 1 --codec "$1" "$2" > "$TMP/out.kmo"
  "$KOLMO" -q -d -c "$TMP/out.kmo" | cmp -s - "$2" || { echo "ROUND TRIP FAILED: $1 $2" >&2; exit 1; }
  stat -c %s "$TMP/out.kmo"
}

printf '%-12s %9s %8s %8s %10s %8s %8s\n' sample bytes xz-9e zstd-19 logzip log log:fast
rows=()
for f in "$DATA"/*/*_2k.log; do
  name=$(basename "$f" _2k.log)
  bytes=$(stat -c %s "$f")
  xz_b=$(xz -9e -k -c "$f" | wc -c)
  zs_b=$(zstd -19 -q -c "$f" | wc -c)
  sizes=("$xz_b" "$zs_b")
  for c in "${CODECS[@]}"; do sizes+=("$(kolmo_size "$c" "$f")"); done
  row="$name $bytes ${sizes[*]}"
  rows+=("$row")
  echo "$row" | awk '{printf "%-12s %9d", $1, $2; for (i = 3; i <= NF; i++) printf " %8.2f", $2 / $i; printf "\n"}'
done
printf '%s\n' "${rows[@]}" | awk '{n++; for (i = 3; i <= NF; i++) s[i] += log($2 / $i)}
  END {printf "%-12s %9s", "geomean", ""; for (i = 3; i <= 7; i++) printf " %8.2f", exp(s[i] / n);
       printf "\nlog vs xz -9e geomean: %.3fx\n", exp((s[6] - s[3]) / n)}'
