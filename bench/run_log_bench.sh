#!/usr/bin/env bash
# The log codec's table on the 16 Loghub 2k samples: input bytes, then ratio (input / output) of
# xz -9e, zstd -19, log:logzip, log and log:fast, with geometric means. Every kolmo output is
# decompressed and compared with its input before its size counts.
#   bash bench/run_log_bench.sh [KOLMO_BINARY] [DATA_DIR]
#   LOG_BENCH_CODECS="log:logzip=1 log:logzip=2" bash bench/run_log_bench.sh   (other codecs; the
#   "log vs xz" lines compare the second and fourth codec columns)
#   LOG_BENCH_ARGS="--block-size 32K" bash bench/run_log_bench.sh   (extra kolmo arguments, e.g. to
#   measure small blocks)
set -euo pipefail
KOLMO=${1:-build/kolmo}
DATA=${2:-${KOLMO_DATA:-$(dirname "$0")/../../shared/data}/logs/loghub-2k}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CODECS=(${LOG_BENCH_CODECS:-log:logzip log log:fast log:max})
EXTRA_ARGS=(${LOG_BENCH_ARGS:-})
# Each dataset's Loghub header format for log:logzip (logparser's benchmark settings). Our
# formats have no optional groups: Linux's and Thunderbird's "<Component>(\[<PID>\])?:" and Mac's
# "( \(<Address>\))?" are left out, so those parts stay in the last field before the content.
declare -A FORMAT=(
  [Android]='<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>'
  [Apache]='\[<Time>\] \[<Level>\] <Content>'
  [BGL]='<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>'
  [HDFS]='<Date> <Time> <Pid> <Level> <Component>: <Content>'
  [HPC]='<LogId> <Node> <Component> <State> <Time> <Flag> <Content>'
  [Hadoop]='<Date> <Time> <Level> \[<Process>\] <Component>: <Content>'
  [HealthApp]='<Time>\|<Component>\|<Pid>\|<Content>'
  [Linux]='<Month> <Date> <Time> <Level> <Component>: <Content>'
  [Mac]='<Month>  <Date> <Time> <User> <Component>: <Content>'
  [OpenSSH]='<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>'
  [OpenStack]='<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>'
  [Proxifier]='\[<Time>\] <Program> - <Content>'
  [Spark]='<Date> <Time> <Level> <Component>: <Content>'
  [Thunderbird]='<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>: <Content>'
  [Windows]='<Date> <Time>, <Level>                  <Component>    <Content>'
  [Zookeeper]='<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>'
)

kolmo_size() {  # codec file -> compressed bytes (after a verified round trip)
  "$KOLMO" -q -c -T 1 "${EXTRA_ARGS[@]}" --codec "$1" "$2" > "$TMP/out.kmo"
  "$KOLMO" -q -d -c "$TMP/out.kmo" | cmp -s - "$2" || { echo "ROUND TRIP FAILED: $1 $2" >&2; exit 1; }
  stat -c %s "$TMP/out.kmo"
}

printf '%-12s %9s %8s %8s' sample bytes xz-9e zstd-19
printf ' %8s' "${CODECS[@]}"
printf '\n'
rows=()
for f in "$DATA"/*/*_2k.log; do
  name=$(basename "$f" _2k.log)
  bytes=$(stat -c %s "$f")
  xz_b=$(xz -9e -k -c "$f" | wc -c)
  zs_b=$(zstd -19 -q -c "$f" | wc -c)
  sizes=("$xz_b" "$zs_b")
  for c in "${CODECS[@]}"; do
    spec=$c
    [[ $c == log:logzip* && -n ${FORMAT[$name]:-} ]] && spec="$c,format=${FORMAT[$name]}"
    sizes+=("$(kolmo_size "$spec" "$f")")
  done
  row="$name $bytes ${sizes[*]}"
  rows+=("$row")
  echo "$row" | awk '{printf "%-12s %9d", $1, $2; for (i = 3; i <= NF; i++) printf " %8.2f", $2 / $i; printf "\n"}'
done
printf '%s\n' "${rows[@]}" | awk '{n++; for (i = 3; i <= NF; i++) s[i] += log($2 / $i)}
  {nf = NF} END {printf "%-12s %9s", "geomean", ""; for (i = 3; i <= nf; i++) printf " %8.2f", exp(s[i] / n);
       printf "\n"; if (nf >= 6) printf "log vs xz -9e geomean: %.3fx\n", exp((s[6] - s[3]) / n);
       if (nf >= 8) printf "log:max vs xz -9e geomean: %.3fx\n", exp((s[8] - s[3]) / n)}'
