#!/usr/bin/env bash
# Bring your own backbone (issue 20): for each exported architecture, `backbones check` parity at its export size and
# at 64 px, every strategy and auto (one epoch where it trains) on the embedded Fashion-MNIST subset, a reload by
# predict, and the frozen pass's images/s (PNG decode included) against a raw ONNX Runtime session on the same file.
# Usage: bench/backbones.sh [file.onnx ...]   (default: bench/work/backbones/*.onnx; make them with
#   python3 bench/export_backbones.py bench/work/backbones)
# Env: STRATEGIES (every registered one and auto), SIZE (64, the fits' input size), PERF_SIZE (224), IMAGES (512),
#   ROUNDS (3 alternating rounds of the two frozen passes), CHECK_ONLY=1 (parity only), PERF_ONLY=1 (no fits).
# Results: one JSON line per measurement in bench/results/backbones.jsonl ($RESULTS); run folders under
#   bench/work/backbones-runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/Perf -v q -nologo >/dev/null
CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
PERF="dotnet bench/Perf/bin/Release/net10.0/PerfBench.dll"
WORK=bench/work/backbones-runs
RESULTS=${RESULTS:-bench/results/backbones.jsonl}
STRATEGIES=${STRATEGIES:-"feature-extraction fine-tune gradual-unfreeze bn-only adabn l2-sp lp-ft scratch auto"}
SIZE=${SIZE:-64}
PERF_SIZE=${PERF_SIZE:-224}
IMAGES=${IMAGES:-512}
ROUNDS=${ROUNDS:-3}
mkdir -p "$WORK" bench/results
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(bench/work/backbones/*.onnx)
# PNG files for the frozen pass: the embedded test images, encoded (decode is part of what is timed).
PNGS="$WORK/png-$IMAGES"
if [ ! -d "$PNGS/all" ]; then
  $PERF pngs 28 "$PNGS" "$IMAGES" data/fashion-mnist-small/t10k-images-idx3-ubyte.gz >/dev/null
fi
record() { # record KIND FILE JSON: one line of the results, with what and where
  python3 -c 'import json, sys; d = json.loads(sys.argv[3]); d.update(kind=sys.argv[1], file=sys.argv[2])
print(json.dumps(d))' "$1" "$2" "$3" | tee -a "$RESULTS"
}
for file in "${FILES[@]}"; do
  arch=$(basename "$file" .onnx)
  echo "== $arch: backbones check"
  check=$($CLI backbones check "$file" --size 64 --json 2>"$WORK/$arch-check.err") || true
  [ -n "$check" ] || check="{\"error\": \"see $WORK/$arch-check.err\"}"
  record check "$file" "$(echo "$check" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))')" \
    | cut -c1-300
  [ -z "${CHECK_ONLY:-}" ] || continue
  [ -n "${PERF_ONLY:-}" ] && STRATEGIES="" && SKIP_ADVISE=1
  for strategy in $STRATEGIES; do
    out="$WORK/$arch-$strategy"
    extra=()
    [ "$strategy" != feature-extraction ] && extra+=(--epochs 1)
    start=$(date +%s.%N)
    status=0
    $CLI fit --backbone "$file" --size "$SIZE" --strategy "$strategy" --out "$out" --overwrite "${extra[@]}" \
      >"$out.log" 2>&1 || status=$?
    end=$(date +%s.%N)
    predicted=""
    if [ "$status" = 0 ]; then
      $CLI predict "$out" "$PNGS/all" --out "$out.predict.csv" \
        >"$out.predict.log" 2>&1 && predicted=$(($(wc -l <"$out.predict.csv") - 1)) || predicted="failed"
    fi
    line=$(python3 - "$out" "$status" "$start" "$end" "$strategy" "$predicted" "$out.log" <<'PY'
import json, os, sys
out, status, start, end, strategy, predicted, log = sys.argv[1:8]
r = {"strategy": strategy, "size": None, "exit": int(status), "seconds": round(float(end) - float(start), 1)}
if int(status) == 0:
    m = json.load(open(os.path.join(out, "metrics.json")))
    r.update(size=m.get("input_size"), chosen=m.get("strategy"), test_accuracy=m.get("test_accuracy"),
             val_accuracy=m.get("val_accuracy"), d=(m.get("domain_distance") or {}).get("d"),
             d_skipped=(m.get("domain_distance") or {}).get("skipped"), predicted=predicted)
else:
    r["error"] = [l for l in open(log, errors="replace").read().splitlines() if l.startswith("error")][-1:]
print(json.dumps(r))
PY
)
    record fit "$file" "$line"
  done
  if [ -z "${SKIP_ADVISE:-}" ]; then
    echo "== $arch: advise"
    advice=$($CLI advise --backbone "$file" --size "$SIZE" --json 2>"$WORK/$arch-advise.err") || advice=""
    [ -n "$advice" ] || advice="{\"error\": \"see $WORK/$arch-advise.err\"}"
    record advise "$file" "$(echo "$advice" | python3 -c 'import json, sys; d = json.load(sys.stdin)
  a = d.get("advice", {})
  print(json.dumps({"strategy": a.get("strategy"), "regime": a.get("regime"), "error": d.get("error"),
                    "d": d.get("inputs", {}).get("domain_distance"), "explanation": a.get("explanation")}))')" \
      | cut -c1-300
  fi
  # Alternating rounds: this machine's speed drifts by a fifth between minutes; the table takes medians.
  for round in $(seq "$ROUNDS"); do
    echo "== $arch: frozen pass at $PERF_SIZE px, round $round"
    ort=$(BACKBONE="$file" $PERF ort "$PERF_SIZE" 2>/dev/null | tail -n 1) || ort='{"error": "ort failed"}'
    record ort "$file" "$ort" | cut -c1-200
    ours=$(BACKBONE="$file" $PERF extract "$PERF_SIZE" "$PNGS" auto 2>/dev/null | tail -n 1) \
      || ours='{"error": "extract failed"}'
    record extract "$file" "$ours" | cut -c1-200
  done
done
