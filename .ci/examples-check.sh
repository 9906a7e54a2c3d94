#!/usr/bin/env bash
# Builds and runs each standalone sample under QQuant.Samples/examples/ from this checkout and checks that it prints
# what it is expected to print: the quantization report's summary line and the training lines. Prints
# "examples: <name> ok" per sample; on failure prints the sample's output and exits non-zero.
# Usage: .ci/examples-check.sh [work-folder]   (default: a new temporary folder, kept on failure; it holds the logs)
set -euo pipefail

check=examples
source "$(dirname "$0")/check-common.sh" "$@"
cd "$repo"

# expect <name> <extended regex>...: every pattern must match a whole line of the sample's output.
expect() {
  local name=$1 log="$work/$1.log" pattern
  shift
  for pattern in "$@"; do
    grep -qxE "$pattern" "$log" || fail "$name did not print a line matching '$pattern' (its output is above, log in $log)"
  done
}

run_example() {
  local name=$1 project="QQuant.Samples/examples/$1" status=0
  [ -f "$project/$name.csproj" ] || fail "$project/$name.csproj is missing"
  step "running $name: dotnet run --project $project -c Release"
  dotnet run --project "$project" -c Release >"$work/$name.log" 2>&1 || status=$?
  cat "$work/$name.log"
  [ "$status" -eq 0 ] || fail "$name exited with status $status (output above, log in $work/$name.log)"
}

run_example QuantizeTorchVision
expect QuantizeTorchVision \
  '20 quantized, 0 kept float, 1 excepted, 0 already quantized, 32 without a rule, of 53 leaves' \
  'calibrated [0-9]+ quantizers on 2 batches' \
  'training step: loss [0-9]+\.[0-9]+ on a batch of shape \[8, 3, 32, 32\]' \
  'evaluation: output shape \[1, 10\]'
step "QuantizeTorchVision ok"

run_example CustomQuantizer
expect CustomQuantizer \
  '3 quantized, 0 kept float, 0 excepted, 0 already quantized, 4 without a rule, of 7 leaves' \
  'conv2 +Conv2d +quantized +For<Conv2d>\(\) +MyQuantConv +4 +4 +yes' \
  'loss fell from [0-9.]+ to [0-9.]+' \
  'conv2\.weight_quantizer\.step moved from [0-9.]+ to [0-9.]+' \
  "conv2's quantized weight uses [0-9]+ of the 15 levels; on the grid: yes"
step "CustomQuantizer ok"
