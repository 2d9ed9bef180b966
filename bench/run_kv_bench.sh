#!/usr/bin/env bash
# The KV-cache table of docs/llm.md: every method at ~2, 3 and 4 bits per element against one exact
# pass per window, on slices of dickens (tail, never seen by the model) and book1.
# Usage: [RUNS="dickens book1 stories"] [PART="baselines kolmo"] bench/run_kv_bench.sh [BUILD_DIR] [WINDOWS] [OUT_DIR]
# Writes OUT_DIR/<model>_<text>.<part>.json (one `kolmo llm eval --json` object each) and prints
# them, each text's parts merged into one table. The parts are separate evaluations (the reproduced
# methods, and kolmo's points) so that they can run at different times; both run the exact pass,
# whose bits/byte must agree (checked below).
set -euo pipefail
build=${1:-build}
windows=${2:-6}
out=${3:-/tmp/kv_bench}
data=${KOLMO_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
mkdir -p "$out"
baselines=""
for b in 2 3 4; do
  for m in kivi gear qjl million mustafar; do baselines+="${baselines:+,}$m:bits=$b"; done
done
baselines="exact,fp16,bf16,int8,int4,int4:bits=3,group=16,int8c,int4c,int4c:bits=3,int4c:bits=2,kivi:bits=3,window=128,$baselines"
# kolmo at the reproduced methods' ~2, 3, 4 bits, at int4c's 2.5 / 3.5 / 4.5, and above (5, 6, 8).
kolmo="exact"
for b in 2 2.5 3 3.5 4 4.5 5 6 8; do kolmo+=",kolmo:bits=$b"; done
parts=${PART:-baselines kolmo}

# Disjoint windows of ctx+1 bytes: the first WINDOWS*(ctx+1) bytes of each slice.
slice() {  # name file how
  local name=$1 file=$2 how=$3 bytes=$4
  if [ "$how" = tail ]; then
    tail -c 500000 "$file" > "$out/$name.full"  # (no pipe: head would SIGPIPE tail under pipefail)
    head -c "$bytes" "$out/$name.full" > "$out/$name"
    rm -f "$out/$name.full"
  else head -c "$bytes" "$file" > "$out/$name"; fi
}
run() {  # model ctx text [int4:bits=3 group]
  local model=$1 ctx=$2 name=$3 part methods tag
  for part in $parts; do
    if [ "$part" = kolmo ]; then methods=$kolmo; else methods=$baselines; fi
    [ -n "${4:-}" ] && methods=${methods/int4:bits=3,group=16/int4:bits=3,group=$4}
    tag=$(basename "$model" .bin)_$name.$part
    /usr/bin/time -f "%U user %S sys %e wall" "$build/kolmo" llm eval "$model" "$out/$name" \
      --ctx "$ctx" --stride $((ctx + 1)) --kv "$methods" --json -T 2 > "$out/$tag.json" 2> "$out/$tag.time"
    cat "$out/$tag.json"; cat "$out/$tag.time"
  done
}
lm="$data/models/kolmo-lm-24m"
slice dickens_tail "$data/text/silesia/dickens" tail $((windows * 1025))
slice book1 "$data/text/calgary/book1" head $((windows * 1025))
# RUNS (default "dickens book1 stories") picks which evaluations to run.
runs=${RUNS-dickens book1 stories}  # RUNS="" only prints what OUT_DIR holds
case " $runs " in *" dickens "*) run "$lm" 1024 dickens_tail ;; esac
case " $runs " in *" book1 "*) run "$lm" 1024 book1 ;; esac
if [[ " $runs " == *" stories "* ]]; then
  slice tinystories "$data/text/tinystories-valid-sample.txt" head $((windows * 2000))
  run "$data/models/stories260K/stories260K.bin" 256 tinystories 8  # head_dim 8: groups of 8
fi

# Markdown table of every JSON written above, and a Pareto check of kolmo against each method.
python3 - "$out" <<'PY'
import glob, json, sys, os
texts = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    texts.setdefault(os.path.basename(path).split(".")[0], []).append(path)
for text, paths in texts.items():
    js = [json.load(open(p)) for p in paths]
    j = js[0]
    exacts = {f"{x['bits_per_byte_exact']:.9f}" for x in js}
    if len(exacts) != 1 or len({(x['windows'], x['bytes']) for x in js}) != 1:
        sys.exit(f"{text}: the parts disagree on the exact pass or the windows: {exacts}")
    print(f"\n{text} ({', '.join(os.path.basename(p) for p in paths)}): {j['windows']} windows, "
          f"{j['bytes']} predicted bytes, exact {j['bits_per_byte_exact']:.6f} bits/byte, "
          f"{' + '.join(str(round(x['seconds'])) for x in js)} s")
    print("| --kv | bits/element | delta bits/byte | KL (nats) | top-1 | score rel. err | output rel. err | encode us/token | attend us/token |")
    print("|---|---|---|---|---|---|---|---|---|")
    ms = [m for i, x in enumerate(js) for m in x["methods"] if i == 0 or m["kv"] != "exact"]
    for m in ms:
        print(f"| `{m['kv']}` | {m['kv_bits_per_element']:.3f} | {m['delta_bits_per_byte']:+.5f} | {m['kl_mean']:.5f} | "
              f"{m['top1_agree']:.4f} | {m['score_rel_error']:.4f} | {m['output_rel_error']:.4f} | "
              f"{m['encode_us_per_token']:.0f} | {m['attend_us_per_token']:.0f} |")
    kolmo = [m for m in ms if m["kv"].startswith("kolmo")]
    for m in ms:
        if m["kv"].startswith(("kolmo", "exact")):
            continue
        # kolmo dominates m when some kolmo point has no more bits and lower KL and delta bpb.
        beat = [k for k in kolmo if k["kv_bits_per_element"] <= m["kv_bits_per_element"] + 1e-9
                and k["kl_mean"] < m["kl_mean"] and k["delta_bits_per_byte"] < m["delta_bits_per_byte"]]
        print(f"  {m['kv']}: {'dominated by ' + beat[0]['kv'] if beat else 'NOT dominated by any kolmo point'}")
PY
