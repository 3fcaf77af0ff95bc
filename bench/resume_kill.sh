#!/usr/bin/env bash
# Kill -9 at random moments of a gradual-unfreeze --deterministic fit, then `fit --resume` until it completes; the
# final weights (head.bin, backbone.bin) and metrics must equal the uninterrupted run's (issue 21).
# Usage: bench/resume_kill.sh [KILLS]   (default 12; data: bench/golden.sh's Fashion-MNIST 30/class at 64 px)
# Moments: random delays over the whole run (extraction, mid-epoch), and kills while a checkpoint file is being
# written (a *.tmp in the checkpoint folder); every third resume is itself killed once more. Checkpoints are also
# saved within epochs (--checkpoint-every 0.01: 0.6 s), so resumes start within epochs too; each kill's line says
# where its resumes started (from the log).
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-12}
DATA=bench/work/golden/data
[ -d "$DATA/train-30" ] || { echo "run bench/golden.sh once first (it makes $DATA)"; exit 1; }
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
CLI=(dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll)
WORK=bench/work/resume
rm -rf "$WORK" && mkdir -p "$WORK"
export TRANSFERSHARP_CACHE="$PWD/$WORK/cache"
ARGS=(--data "$DATA/train-30" --test "$DATA/test-20" --size 64 --seed 0 --deterministic --strategy gradual-unfreeze
  --epochs 8 --patience 1 --checkpoint-every 0.01)
summary() { # run folder -> hashes and metrics on one line
  /usr/bin/python3 - "$1" <<'PY'
import hashlib, json, sys
run = sys.argv[1]
m = json.load(open(f"{run}/metrics.json"))
h = {f: hashlib.sha256(open(f"{run}/{f}", "rb").read()).hexdigest()[:16] for f in ("head.bin", "backbone.bin")}
epochs = [(e["epoch"], e["stage"], e["val_accuracy"], e["train_loss"]) for e in m["epochs"]]
stages = m["unfreeze_stages"]
print(json.dumps({"weights": h, "val": m["val_accuracy"], "test": m["test_accuracy"], "epochs": epochs,
                  "stages": stages}))
PY
}
start=$(date +%s.%N)
"${CLI[@]}" fit "${ARGS[@]}" --out "$WORK/full" >"$WORK/full.log" 2>&1
full_seconds=$(echo "$(date +%s.%N) - $start" | bc)
reference=$(summary "$WORK/full")
echo "uninterrupted: ${full_seconds} s"
same=0
for k in $(seq 1 "$KILLS"); do
  out="$WORK/run-$k"
  "${CLI[@]}" fit "${ARGS[@]}" --out "$out" >"$out.log" 2>&1 &
  if [ $((k % 4)) = 0 ]; then # during a checkpoint write
    # The first kill of this kind hits the first checkpoint's write; the others a write that replaces a complete
    # checkpoint (the resume must start from that one, not from the half-written file).
    moment="first checkpoint write"
    if [ "$k" -gt 4 ]; then
      moment="checkpoint write over a complete one"
      until [ -f "$WORK/.run-$k.checkpoint/checkpoint.bin" ]; do sleep 0.02; done
    fi
    until compgen -G "$WORK/.run-$k.checkpoint/*.tmp" >/dev/null; do sleep 0.02; done
  else
    # Uniform over the run, short of its last second (a kill after the end would test nothing).
    delay=$(/usr/bin/python3 -c "import random; random.seed($k); print(round(random.uniform(1, $full_seconds - 1), 2))")
    moment="${delay} s"
    sleep "$delay"
  fi
  pkill -9 -f -- "--out $out( |\$)" || true
  wait || true
  killed=true; [ -f "$out/checksums.sha256" ] && killed=false
  resumes=0
  until [ -f "$out/checksums.sha256" ]; do
    resumes=$((resumes + 1))
    "${CLI[@]}" fit --resume "$out" >>"$out.log" 2>&1 &
    if [ $((k % 3)) = 0 ] && [ "$resumes" = 1 ]; then sleep 4; pkill -9 -f -- "--resume $out( |\$)" || true; fi
    wait || true
    [ "$resumes" -lt 5 ] || { echo "kill $k: no complete run after 5 resumes"; break; }
  done
  result=$(summary "$out" 2>/dev/null || echo '{}')
  verdict=different; [ "$result" = "$reference" ] && verdict=identical && same=$((same + 1))
  from=$(grep -ho 'resumed in epoch [0-9]* after batch [0-9]*\|resumed after epoch [0-9]*\|no epoch had ended' \
    "$out.log" | sed 's/no epoch had ended/from the start/' | paste -sd ';' - || true)
  echo "kill $k at $moment (killed: $killed): $resumes resume(s) [$from], $verdict"
  printf '{"bench":"resume_kill","kill":%d,"moment":"%s","killed":%s,"resumes":%d,"from":"%s","identical":%s}\n' \
    "$k" "$moment" "$killed" "$resumes" "$from" "$([ $verdict = identical ] && echo true || echo false)" \
    >>"$WORK/results.jsonl"
done
echo "identical to the uninterrupted run: $same of $KILLS"
from_checkpoint=$(grep -c '"from":"resumed' "$WORK/results.jsonl" || true)
echo "kills whose first resume started from a checkpoint: $from_checkpoint of $KILLS"
printf '{"bench":"resume_kill","date":"%s","cores":%d,"kills":%d,"identical":%d,"from_checkpoint":%d,' \
  "$(date -u +%FT%TZ)" "$(nproc)" "$KILLS" "$same" "$from_checkpoint" >>bench/results/resume_kill.jsonl
printf '"uninterrupted_seconds":%.1f}\n' "$full_seconds" >>bench/results/resume_kill.jsonl
