#!/usr/bin/env bash
# Builds and runs every kolmo test: the Release build with all GoogleTest suites (unit, property,
# CLI and, when ../shared/data or $KOLMO_DATA is present, data round trips), an ASan+UBSan build
# running the tests, a cross-build check (a gcc Debug build and the clang ASan build read what the
# Release build wrote and write the same bytes), a bounded run of every fuzz target, and a smoke
# run of the micro benchmarks.
# Usage: scripts/test.sh [release|asan|cross|fuzz|bench]...   (default: all stages)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="$(nproc)"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release asan cross fuzz bench)
fuzz_runs="${KOLMO_FUZZ_SECONDS:-20}"

passed=0
failed=0
failures=()
tests_passed=0
tests_failed=0
# run_ctest DIR ARGS...: runs ctest, adds its pass/fail counts to the totals, returns its status.
run_ctest() {
  local dir="$1"; shift
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 900 "$@") 2>&1 | tee "$dir/ctest.log"
  local rc="${PIPESTATUS[0]}"
  local line total failed_here
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$dir/ctest.log" | tail -1)"
  total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
  failed_here="$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")"
  if [ -n "$line" ]; then
    tests_passed=$((tests_passed + total - failed_here)); tests_failed=$((tests_failed + failed_here))
  elif [ "$rc" -ne 0 ]; then tests_failed=$((tests_failed + 1)); fi
  return "$rc"
}
record() {  # record NAME STATUS
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "== stage $1: ok"
  else failed=$((failed + 1)); failures+=("$1"); echo "== stage $1: FAILED"; fi
}

build() {  # build DIR CMAKE_ARGS...
  local dir="$1"; shift
  cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j"$jobs" 2>&1 | grep -E "error|warning: |Error" ; return "${PIPESTATUS[0]}"
}

for stage in "${stages[@]}"; do
  start=$SECONDS
  case "$stage" in
    release)
      echo "== stage release: gcc Release build + all tests"
      mkdir -p build
      if build build -DCMAKE_BUILD_TYPE=Release; then
        run_ctest build
        record release $?
      else record release 1; fi ;;
    asan)
      echo "== stage asan: clang-14 ASan+UBSan build + tests (data-driven suites excluded)"
      mkdir -p build-asan
      if CC=clang-14 CXX=clang++-14 build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
           -DKOLMO_SANITIZE=ON -DKOLMO_BUILD_BENCH=OFF; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          run_ctest build-asan -E "SharedData"
        record asan $?
      else record asan 1; fi ;;
    fuzz)
      echo "== stage fuzz: every libFuzzer target for ${fuzz_runs}s"
      mkdir -p build-fuzz
      if CC=clang-14 CXX=clang++-14 build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
           -DKOLMO_FUZZ=ON -DKOLMO_BUILD_TESTS=OFF -DKOLMO_BUILD_BENCH=OFF; then
        status=0
        for f in build-fuzz/fuzz/fuzz_*; do
          [ -x "$f" ] || continue
          name="$(basename "$f")"
          corpus="build-fuzz/corpus/$name"
          mkdir -p "$corpus"
          if "$f" -max_total_time="$fuzz_runs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
               "$corpus" >"build-fuzz/$name.log" 2>&1; then
            echo "   $name: ok ($(grep -oE '#[0-9]+' "build-fuzz/$name.log" | tail -1 | tr -d '#') runs)"
            tests_passed=$((tests_passed + 1))
          else
            echo "   $name: FAILED"; tail -40 "build-fuzz/$name.log"; status=1
            tests_failed=$((tests_failed + 1))
          fi
        done
        record fuzz $status
      else record fuzz 1; fi ;;
    cross)
      echo "== stage cross: Release vs gcc Debug (and vs clang ASan when built): same files, each decodes the other's"
      mkdir -p build-debug
      if [ -x build/kolmo ] && build build-debug -DCMAKE_BUILD_TYPE=Debug -DKOLMO_BUILD_TESTS=OFF \
           -DKOLMO_BUILD_BENCH=OFF; then
        bash scripts/cross_build_check.sh build/kolmo build-debug/kolmo; status=$?
        if [ -x build-asan/kolmo ]; then
          ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
            bash scripts/cross_build_check.sh build/kolmo build-asan/kolmo || status=1
        fi
        if [ "$status" -eq 0 ]; then tests_passed=$((tests_passed + 1)); else tests_failed=$((tests_failed + 1)); fi
        record cross $status
      else echo "   (needs the release stage's build/kolmo and a Debug build)"; record cross 1; fi ;;
    bench)
      echo "== stage bench: micro benchmarks run once each (smoke; figures come from bench/)"
      status=0
      for b in build/bench/micro/bench_*; do
        [ -x "$b" ] || continue
        if "$b" --benchmark_min_time=0.01 >/dev/null 2>"$b.log"; then tests_passed=$((tests_passed + 1))
        else echo "   $(basename "$b"): FAILED"; cat "$b.log"; status=1; tests_failed=$((tests_failed + 1)); fi
      done
      record bench $status ;;
    *) echo "unknown stage: $stage"; record "$stage" 1 ;;
  esac
  echo "   ($((SECONDS - start)) s)"
done

echo "stages: ${passed} ok, ${failed} failed ${failures[*]}"
# The closing line CI reads: every ctest case, fuzz target and benchmark smoke run.
echo "total: ${tests_passed} passed, ${tests_failed} failed"
[ "$failed" -eq 0 ]
