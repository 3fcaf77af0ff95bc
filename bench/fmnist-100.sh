# Sourced by the Fashion-MNIST benches: builds the tool unless CLI names another build (a copy, so that the tree can
# be rebuilt while a bench runs), and prepares $WORK/train-100 (100 labels/class, subset seed 1) and $WORK/test (all
# 10,000 test images). Sets CLI, TRAIN and TEST; needs WORK.
if [ -z "${CLI:-}" ]; then
  dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
  CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
fi
FULL=/usr/share/datasets/fashion-mnist
mkdir -p "$WORK/runs" bench/results
TRAIN=$WORK/train-100 TEST=$WORK/test
if [ ! -f "$TRAIN/train-images-idx3-ubyte.gz" ]; then
  $CLI dataset subset "$FULL/train-images-idx3-ubyte.gz" --per-class 100 --seed 1 --out "$TRAIN" --prefix train \
    >/dev/null
  cp data/fashion-mnist-small/classes.txt "$TRAIN/"
fi
mkdir -p "$TEST"; cp -n "$FULL"/t10k-*-ubyte.gz "$TEST/"; cp data/fashion-mnist-small/classes.txt "$TEST/"
