#!/usr/bin/env bash
# Benchmarks kolmo against xz, zstd, brotli, bzip2 and gzip on the text and log files of
# ../shared/data, for BENCHMARKS.md. Writes, into OUT_DIR (default bench/results):
#   results.jsonl  one JSON object per (file, codec), straight from `kolmo bench --json`
#   results.md     the same as a Markdown table, with the machine and command that produced it
#   ratio_speed.svg  ratio against compression speed, one point per codec over all files
#
# Usage: bench/run_text_bench.sh [kolmo bench options...]   e.g. --codec kmo:zstd,xz:9e --repeat 3
# Environment: KOLMO_BIN (default build/kolmo, else build/src/cli/kolmo), KOLMO_DATA (default
# ../shared/data), OUT_DIR, QUICK=1 (Canterbury text and logs only: about a minute).
# Needs jq (or python3) to turn the JSON lines into the Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${KOLMO_DATA:-$root/../shared/data}"
out_dir="${OUT_DIR:-$root/bench/results}"

kolmo="${KOLMO_BIN:-}"
if [ -z "$kolmo" ]; then
  for candidate in "$root/build/kolmo" "$root/build/src/cli/kolmo"; do
    if [ -x "$candidate" ]; then kolmo="$candidate"; break; fi
  done
fi
if [ -z "$kolmo" ] || [ ! -x "$kolmo" ]; then
  echo "run_text_bench: no kolmo binary (build it, or set KOLMO_BIN)" >&2
  exit 1
fi
if [ ! -d "$data/text" ]; then
  echo "run_text_bench: no data at $data (set KOLMO_DATA)" >&2
  exit 1
fi

# The text files people quote results on, then the logs.
files=()
add() { for f in "$@"; do if [ -f "$data/$f" ]; then files+=("$data/$f"); fi; done; }
add text/canterbury/alice29.txt text/canterbury/asyoulik.txt text/canterbury/lcet10.txt \
    text/canterbury/plrabn12.txt text/canterbury/cp.html text/canterbury/fields.c \
    text/canterbury/xargs.1
if [ "${QUICK:-0}" != 1 ]; then
  add text/calgary/book1 text/calgary/book2 text/calgary/news text/calgary/paper1 \
      text/large/bible.txt text/large/world192.txt text/silesia/dickens \
      text/enwik8_prefix_4154399 text/tinystories-valid-sample.txt
fi
for f in "$data"/logs/loghub-2k/*/*_2k.log; do if [ -f "$f" ]; then files+=("$f"); fi; done
if [ ${#files[@]} -eq 0 ]; then echo "run_text_bench: no input files found" >&2; exit 1; fi

mkdir -p "$out_dir"
jsonl="$out_dir/results.jsonl"
md="$out_dir/results.md"
svg="$out_dir/ratio_speed.svg"

echo "run_text_bench: ${#files[@]} files -> $out_dir" >&2
# kolmo bench exits 1 when any codec failed or any round trip failed: keep going to write the
# table (which shows roundtrip_ok), then report that status.
status=0
"$kolmo" bench --json --plot "$svg" "$@" "${files[@]}" > "$jsonl" || status=$?

to_markdown_rows() {
  if command -v jq >/dev/null 2>&1; then
    jq -r '"| \(.file | split("/") | last) | \(.codec) | \(.threads) | \(.input_bytes) | \(.output_bytes) | \(.ratio * 1000 | round / 1000) | \(.bpb * 1000 | round / 1000) | \(.compress_mb_s * 100 | round / 100) | \(.decompress_mb_s * 100 | round / 100) | \(.compress_peak_rss_bytes / 1048576 * 10 | round / 10) | \(.decompress_peak_rss_bytes / 1048576 * 10 | round / 10) | \(if .roundtrip_ok then "yes" else "**NO**" end) |"' "$jsonl"
  else
    python3 - "$jsonl" <<'PY'
import json, os, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"| {os.path.basename(r['file'])} | {r['codec']} | {r['threads']} | {r['input_bytes']} | "
          f"{r['output_bytes']} | {r['ratio']:.3f} | {r['bpb']:.3f} | {r['compress_mb_s']:.2f} | "
          f"{r['decompress_mb_s']:.2f} | {r['compress_peak_rss_bytes'] / 1048576:.1f} | "
          f"{r['decompress_peak_rss_bytes'] / 1048576:.1f} | {'yes' if r['roundtrip_ok'] else '**NO**'} |")
PY
  fi
}

{
  echo "# kolmo text benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- kolmo: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "- machine: $(uname -sm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
  echo "- command: kolmo bench --json $* <${#files[@]} files from shared/data>"
  echo "- times are wall-clock (best of --repeat runs); MB/s = 10^6 input bytes per second;"
  echo "  peak RSS is the whole process's high-water mark during the step (input and output included)"
  echo
  echo "| file | codec | threads | input B | output B | ratio | bpb | comp MB/s | dec MB/s | comp peak MiB | dec peak MiB | round trip |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|"
  to_markdown_rows
} > "$md"

echo "run_text_bench: wrote $jsonl, $md and $svg" >&2
exit "$status"
