#!/usr/bin/env bash
# Publishes the qquant CLI for linux-x64, framework-dependent and self-contained, and runs `qquant info` from
# another directory: the publish output must load TorchSharp with no extra step.
# Usage: .ci/publish-check.sh [work-folder]   (default: a new temporary folder)
set -euo pipefail

check=publish-check
source "$(dirname "$0")/check-common.sh" "$@"

for mode in false true; do
  out="$work/qquant-selfcontained-$mode"
  step "dotnet publish QQuant.Samples -c Release -r linux-x64 --self-contained $mode"
  dotnet publish "$repo/QQuant.Samples" -c Release -r linux-x64 --self-contained "$mode" -o "$out" -tl:off -nologo \
    >"$work/publish-$mode.log" 2>&1 || { cat "$work/publish-$mode.log"; fail "publish --self-contained $mode"; }
  (cd / && "$out/qquant" info) >"$work/info-$mode.txt" 2>&1 || { cat "$work/info-$mode.txt"; fail "$out/qquant info exited non-zero"; }
  grep -E '^(QQuant version|TorchSharp version|libtorch version|GLIBCXX_3.4.32 patch):' "$work/info-$mode.txt"
  grep -qE '^libtorch version: +[0-9]' "$work/info-$mode.txt" || fail "qquant info (--self-contained $mode) did not report a libtorch version"
done
step "passed"
