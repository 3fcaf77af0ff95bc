#!/usr/bin/env bash
# The advisor's task suite (issue 6): Fashion-MNIST variants at 10, 100 and 1000 labels per class, every strategy, then
# `fit --strategy auto` without and with --pilot, each task tested on all 10,000 test images (same variant).
# Usage: bench/suite.sh [variant:labels ...]   (default: the 9 tasks below)
#   variants: plain, blurred (low frequencies only), high-pass (texture only), colourised (random fore/background hues);
#   multispectral (8-band .npy from bench/Multispectral, 5 classes, 1,000 test images)
#   env: SIZE=64, EPOCHS_10=8 EPOCHS_100=8 EPOCHS_1000=3 (every network strategy and auto get the same epochs in a task;
#        feature extraction keeps its 300 full-batch head steps),
#        STRATEGIES="...", PILOT_EPOCHS=1, SEED=0, RESULTS=${RESULTS:-bench/results/suite.jsonl}
#   STRATEGIES may name auto's presets (issue 18): preset-fast (fit's default), preset-balanced, preset-best, and a
#   strategy's input adapter: fine-tune@weight-sum; the layer groups its head reads, on a grid: lp-ft#stage3:2; and
#   its training crop: lp-ft#stage3:2~none
# Runs already done (metrics.json in their folder) are not run again. Results: bench/results/suite.jsonl;
# table and reach: python3 bench/suite_table.py
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] \
  || ! /usr/bin/python3 -c "import numpy, PIL" 2>/dev/null; then
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist python3-numpy python3-pil) >/dev/null
fi
# CLI=...: another build of the tool (a copy, so that the tree can be rebuilt while the suite runs).
if [ -z "${CLI:-}" ]; then
  dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
  CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
fi
FULL=/usr/share/datasets/fashion-mnist
WORK=bench/work/suite
RESULTS=${RESULTS:-bench/results/suite.jsonl}
SIZE=${SIZE:-64}
SEED=${SEED:-0}
PILOT_EPOCHS=${PILOT_EPOCHS:-1}
DEFAULT_STRATEGIES="feature-extraction fine-tune gradual-unfreeze bn-only adabn l2-sp lp-ft scratch auto auto-pilot"
STRATEGIES=${STRATEGIES:-"$DEFAULT_STRATEGIES"}
DEFAULT_TASKS="plain:10 plain:100 blurred:10 high-pass:10 colourised:10 blurred:100 high-pass:100 colourised:100"
DEFAULT_TASKS+=" plain:1000 multispectral:100"
TASKS=${*:-"$DEFAULT_TASKS"}
mkdir -p "$WORK/data" "$WORK/runs" bench/results

# Source subsets (IDX), cut once with the CLI, then every variant built from the same images.
source_folder() { # labels -> folder
  local n=$1 d="$WORK/data/source-$1"
  if [ "$n" = test ]; then
    d="$WORK/data/source-test"
    if [ ! -f "$d/t10k-images-idx3-ubyte.gz" ]; then
      mkdir -p "$d"; cp "$FULL"/t10k-*-ubyte.gz "$d/"; cp data/fashion-mnist-small/classes.txt "$d/"
    fi
  elif [ ! -f "$d/train-images-idx3-ubyte.gz" ]; then
    $CLI dataset subset "$FULL/train-images-idx3-ubyte.gz" --per-class "$n" --seed 1 --out "$d" --prefix train \
      >/dev/null
    cp data/fashion-mnist-small/classes.txt "$d/"
  fi
  echo "$d"
}
variant_folder() { # variant labels|test -> folder
  local v=$1 n=$2 out="$WORK/data/$1-$2" seed=$([ "$2" = test ] && echo 2 || echo 1)
  [ -d "$out" ] || /usr/bin/python3 bench/suite_data.py "$v" "$(source_folder "$n")" "$out" "$seed"
  echo "$out"
}

# The multispectral task (issue 18): bench/Multispectral's 8 bands, 5 classes, the class only in bands 4-8; N per
# class to train, 200 per class to test.
multispectral_folder() { # labels split -> folder
  local out="$WORK/data/multispectral-$1"
  if [ ! -d "$out/train" ]; then
    dotnet build -c Release bench/Multispectral -v q -nologo >/dev/null
    dotnet bench/Multispectral/bin/Release/net10.0/Multispectral.dll "$out" 8 5 "$1" 200 32 0 >/dev/null
  fi
  echo "$out/$2"
}

for task in $TASKS; do
  variant=${task%%:*}; n=${task##*:}
  if [ "$variant" = multispectral ]; then
    train=$(multispectral_folder "$n" train); test=$(multispectral_folder "$n" test)
  else
    train=$(variant_folder "$variant" "$n"); test=$(variant_folder "$variant" test)
  fi
  epochs_var="EPOCHS_$n"; epochs=${!epochs_var:-$([ "$n" -ge 1000 ] && echo 3 || echo 8)}
  for strategy in $STRATEGIES; do
    out="$WORK/runs/$variant-$n/$strategy"
    [ -f "$out/metrics.json" ] && continue
    # STRATEGY~CROP: the training crop (--augment none|pad-crop|random-resized).
    spec=${strategy%~*}
    name=${spec%@*}; name=${name%#*}
    args=(--strategy "${name%-pilot}")
    [[ "$strategy" == *~* ]] && args+=(--augment "${strategy#*~}")
    # STRATEGY#LAYERS:GRID: the head reads these layer groups, pooled on a GRID x GRID grid.
    if [[ "$spec" == *#* ]]; then
      layers=${spec#*#}; args+=(--features "${layers%:*}" --feature-grid "${layers#*:}")
    fi
    [[ "$strategy" == preset-* ]] && args=(--strategy auto --preset "${strategy#preset-}")
    # STRATEGY@ADAPTER names the input adapter; on the multispectral task a named strategy defaults to conv1x1
    # (replicate keeps bands 1-3, which carry no class), auto picks its own.
    if [[ "$spec" == *@* ]]; then args+=(--adapter "${spec#*@}")
    elif [ "$variant" = multispectral ] && [[ "$strategy" != auto* && "$strategy" != preset-* ]]; then
      args+=(--adapter conv1x1)
    fi
    # feature extraction and the fast preset: the head's full-batch fit, no epochs
    # (a conv1x1 adapter under feature extraction trains for epochs: the multispectral task)
    if { [ "$name" != feature-extraction ] || [ "$variant" = multispectral ]; } && [ "$strategy" != preset-fast ]; then
      args+=(--epochs "$epochs")
    fi
    [ "$strategy" = auto-pilot ] && args+=(--pilot --pilot-epochs "$PILOT_EPOCHS")
    echo "== $variant, $n labels/class, size $SIZE, $epochs epochs: $strategy"
    mkdir -p "$(dirname "$out")"
    start=$(date +%s.%N)
    $CLI fit --data "$train" --test "$test" "${args[@]}" --size "$SIZE" --seed "$SEED" --out "$out" > "$out.log" 2>&1 \
      || { echo "failed: see $out.log"; continue; }
    end=$(date +%s.%N)
    /usr/bin/python3 - "$out/metrics.json" "$variant" "$n" "$SIZE" "$epochs" "$strategy" "$start" "$end" \
      >> "$RESULTS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
variant, n, size, epochs, strategy, start, end = sys.argv[2:9]
advice = m.get("advice") or {}
pilot = m.get("pilot") or {}
preset = m.get("preset") or {}
print(json.dumps({"task": f"{variant}-{n}", "variant": variant, "labels_per_class": int(n), "size": int(size),
  "epochs": int(epochs),
  "strategy": strategy, "chosen": m.get("strategy"), "feature_layers": m.get("feature_layers"),
  "regime": advice.get("regime"),
  "advised": advice.get("strategy"), "alternatives": advice.get("alternatives"),
  "pilot": [[c["strategy"], c["val_accuracy"], c["seconds"]] for c in pilot.get("candidates", [])] or None,
  "pilot_seconds": pilot.get("seconds"),
  "preset": [[c["name"], c.get("val_accuracy"), c.get("seconds"), c["status"]] for c in preset.get("candidates", [])]
    or None,
  "ensemble": (lambda e: e and {"kept": e["kept"], "weights": [x["weight"] for x in e["members"]],
    "test": [e.get("single_test_accuracy"), e.get("test_accuracy")]})(preset.get("ensemble")),
  "test_accuracy": m.get("test_accuracy"), "val_accuracy": m.get("val_accuracy"),
  "trainable_parameters": m.get("trainable_parameters"), "wall_seconds": round(float(end) - float(start), 1)}))
PY
    tail -n 1 "$RESULTS"
  done
done
