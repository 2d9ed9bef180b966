#!/usr/bin/env bash
# Copies the kolmo-lm-24m safetensors shards (47.7 MB) into build-gpu-carry/data/models/ inside
# the repository (git-ignored), so that a GPU machine that cannot see ../shared gets them: name
# build-gpu-carry in the device run's `carry`, and run_tensor_gpu.sh finds them there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src=${KOLMO_DATA:-$root/../shared/data}/models/kolmo-lm-24m
dst=$root/build-gpu-carry/data/models/kolmo-lm-24m
mkdir -p "$dst"
cp -f "$src"/*.safetensors "$dst"/
du -sh "$dst"
