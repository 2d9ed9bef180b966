#!/usr/bin/env bash
# One run on the GPU machine (docs/tensor.md, "CUDA decoder"): builds kolmo with the CUDA decoder
# (Release, only the needed targets), runs the GPU tests, then bench_tensor_gpu, which checks the
# GPU decode against the CPU decoder byte for byte and times it against a device-to-device copy.
#
#   bash bench/gpu/run_tensor_gpu.sh [bench_tensor_gpu arguments, e.g. --reps 200 --copies 8]
#
# Environment:
#   KOLMO_DATA       shared data folder; default ../shared/data, else build-gpu-carry/data
#                    (what bench/gpu/stage_model.sh fills, for machines where ../shared is absent)
#   KOLMO_GPU_BUILD  build folder (default build-gpu)
#   CUDA_ARCH        CMAKE_CUDA_ARCHITECTURES (default 90: H100/H200)
#   OUT              where the log and the JSON go (default: the build folder)
#   KOLMO_GPU_STANDALONE=1  skip the full project and build bench/gpu/standalone directly
# Without kolmo's library dependencies (zstd, xxhash, GoogleTest, ...) the full configure fails;
# the script then builds bench/gpu/standalone (the tensor codec's sources only) instead.
# Ends with "RESULT: PASS" or "RESULT: FAIL"; exit status 0 only on PASS.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${KOLMO_GPU_BUILD:-$root/build-gpu}
arch=${CUDA_ARCH:-90}
out=${OUT:-$build}
mkdir -p "$build" "$out"
log=$out/run_tensor_gpu.log
exec > >(tee "$log") 2>&1

failures=0
step() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

step "machine"
date -u
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem \
  --format=csv,noheader || echo "nvidia-smi unavailable"
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
nvcc --version | tail -n 2 || echo "nvcc not found"
echo "cores: $(nproc), cmake: $(cmake --version | head -n 1)"

if [ -z "${KOLMO_DATA:-}" ]; then
  for d in "$root/../shared/data" "$root/build-gpu-carry/data"; do
    if [ -d "$d/models/kolmo-lm-24m" ]; then export KOLMO_DATA=$(cd "$d" && pwd); break; fi
  done
fi
echo "data: ${KOLMO_DATA:-none found (the bench uses generated bf16 instead of the model)}"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
jobs=$(( $(nproc) < 16 ? $(nproc) : 16 ))

configure_standalone() {
  timeout 180 cmake -S "$root/bench/gpu/standalone" -B "$build/standalone" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch"
}
build_standalone() {
  bdir=$build/standalone
  emu=$bdir/tensor_gpu_emulation_test
  dev=$bdir/tensor_gpu_device_test
  bench=$bdir/bench_tensor_gpu
  configure_standalone && timeout 480 cmake --build "$bdir" -j"$jobs"
}

step "configure + build (full project, KOLMO_CUDA=ON)"
bdir=$build/full
emu=$bdir/tests/codecs/tensor_gpu_emulation_test
dev=$bdir/tests/codecs/tensor_gpu_device_test
bench=$bdir/bench/gpu/bench_tensor_gpu
if [ "${KOLMO_GPU_STANDALONE:-0}" = 1 ]; then
  echo "KOLMO_GPU_STANDALONE=1: skipping the full project"
  full_ok=0
elif timeout 180 cmake -S "$root" -B "$bdir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DKOLMO_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$arch" -DKOLMO_BUILD_BENCH=OFF &&
  timeout 480 cmake --build "$bdir" -j"$jobs" --target tensor_gpu_emulation_test \
    tensor_gpu_device_test bench_tensor_gpu; then
  full_ok=1
else
  echo "NOTE: the full project did not configure or build here (missing library dependencies?)"
  full_ok=0
fi
if [ $full_ok = 0 ]; then
  step "configure + build (bench/gpu/standalone: the tensor codec's sources only)"
  build_standalone || fail "standalone build"
fi
if [ -x "$bench" ] && command -v cuobjdump >/dev/null; then
  echo "kernel resources:"
  cuobjdump --dump-resource-usage "$bench" 2>/dev/null | grep -A1 df11_decode_kernel | head -n 4
fi

step "tests"
for t in "$emu" "$dev"; do
  if [ -x "$t" ]; then
    (cd "$root" && timeout 300 "$t") || fail "$(basename "$t")"
  else
    echo "$(basename "$t") not built (no GoogleTest in the standalone build?)"
  fi
done

step "benchmark"
if [ -x "$bench" ]; then
  (cd "$root" && timeout 300 "$bench" --json "$out/tensor_gpu.json" "$@") || fail "bench_tensor_gpu"
else
  fail "bench_tensor_gpu was not built"
fi

echo
echo "log: $log"
[ -f "$out/tensor_gpu.json" ] && echo "json: $out/tensor_gpu.json"
if [ $failures = 0 ]; then
  echo "RESULT: PASS"
else
  echo "RESULT: FAIL ($failures failed steps)"
fi
[ $failures = 0 ]
