#!/usr/bin/env bash
# Export parity on real data (issue 17): the README main job (feature extraction, 112 px), a short fine-tune and a
# conv1x1 adapter on the multispectral task are exported to ONNX; ONNX Runtime on the exported file is compared with
# predict on the same images (already at the input size), and the ML.NET sample (samples/MlNetScoring) with predict's
# labels on 1,000 Fashion-MNIST test images. Results: bench/results/export.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || \
  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null
dotnet build -c Release TransferSharp.slnx -v q -nologo >/dev/null
CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
BENCH="dotnet bench/Serving/bin/Release/net10.0/Serving.dll"
W=bench/work/export
mkdir -p "$W" bench/results
[ -f "$W/fe/model.json" ] || $CLI fit --size 112 --out "$W/fe" > "$W/fe.log"
[ -f "$W/ft/model.json" ] || $CLI fit --strategy fine-tune --epochs 2 --size 112 --out "$W/ft" > "$W/ft.log"
if [ ! -f "$W/ms/model.json" ]; then
  dotnet run -c Release --project bench/Multispectral -- "$W/multispectral" 8 5 20 20 32 0 >/dev/null
  $CLI fit --data "$W/multispectral/train" --strategy feature-extraction --adapter conv1x1 --size 32 --epochs 5 \
    --out "$W/ms" > "$W/ms.log"
fi
$BENCH pngs /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz 1000 112 "$W/png-112"
for run in fe ft; do
  $BENCH parity "$W/$run" "$W/png-112" | tee -a bench/results/export.jsonl
  $CLI export "$W/$run" --out "$W/$run.onnx" >/dev/null
  $CLI predict "$W/$run" "$W/png-112" --out "$W/$run-predict.csv" >/dev/null
  dotnet samples/MlNetScoring/bin/Release/net10.0/MlNetScoring.dll "$W/$run.onnx" "$W/png-112" "$W/$run-mlnet.csv"
  /usr/bin/python3 - "$W/$run-predict.csv" "$W/$run-mlnet.csv" "$run" <<'PY' | tee -a bench/results/export.jsonl
import csv, json, sys
predict = {r["path"]: r for r in csv.DictReader(open(sys.argv[1]))}
mlnet = {r["path"]: r for r in csv.DictReader(open(sys.argv[2]))}
same = sum(predict[p]["label"] == mlnet[p]["label"] for p in predict)
diff = max(abs(float(predict[p]["probability"]) - float(mlnet[p]["probability"])) for p in predict)
print(json.dumps({"run": sys.argv[3], "check": "ml.net sample vs predict", "images": len(predict),
                  "labels_agree": same, "max_abs_top_probability_difference": round(diff, 6)}))
PY
done
$BENCH parity "$W/ms" "$W/multispectral/test" | tee -a bench/results/export.jsonl
