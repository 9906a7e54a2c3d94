#!/usr/bin/env bash
# Runs the README's main job (qquant quickstart) and the quick accuracy benchmark from a fresh work dir, and checks
# what they print: both top-1 lines of the quickstart, the inference lines, its model analysis report, and the
# benchmark's table of every method; then times the ResNet-50 model analysis on one image (under a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/qquant-quickstart.XXXXXX)
trap 'rm -rf "$work"' EXIT

log="$work/quickstart.log"
start=$(date +%s)
dotnet run --project QQuant.Samples -c Release -- quickstart --work-dir "$work/quickstart" 2>&1 | tee "$log"
echo "quickstart: $(( $(date +%s) - start )) s"
for report in "$work/quickstart/model_analysis.html" "$work/quickstart/model_analysis.json"; do
  [ -s "$report" ] || { echo "quickstart: FAILED: $report was not written" >&2; exit 1; }
done
for expected in '^float top-1: +[0-9.]+ %' '^LSQ 4w4f top-1: +[0-9.]+ %' "'pred_label': [0-9]+, 'pred_score': " ' quantized, .* of [0-9]+ leaves$' \
                '^most sensitive layer: .*top-1 [0-9.]+ %' '^model analysis: .*model_analysis\.html and .*model_analysis\.json$'; do
  grep -Eq "$expected" "$log" || { echo "quickstart: FAILED: no line matching '$expected'" >&2; exit 1; }
done

bench="$work/bench.log"
start=$(date +%s)
dotnet run --project QQuant.Samples -c Release --no-build -- bench accuracy --quick --work-dir "$work/bench" --json "$work/bench.json" 2>&1 | tee "$bench"
echo "bench accuracy --quick: $(( $(date +%s) - start )) s"
rows=$(grep -Ec '^\| (float|LSQ|LSQ\+|DSQ|DoReFa|PACT|APoT|uniform) \| ' "$bench" || true)
[ "$rows" -eq 12 ] || { echo "bench accuracy: FAILED: expected 12 table rows, got $rows" >&2; exit 1; }
analyze="$work/analyze.log"
dotnet run --project QQuant.Samples -c Release --no-build -- bench analyze --runs 1 --work-dir "$work/bench_analyze" 2>&1 | tee "$analyze"
grep -Eq '^target: under 60 s with sensitivity: met' "$analyze" || { echo "bench analyze: FAILED: ResNet-50 analysis over a minute" >&2; exit 1; }
echo "quickstart-check: ok"
