#!/usr/bin/env bash
# Teacher × taps × student-size ablation on ../shared/datasets (train + eval per row), as reported in
# the README. Usage: bash cli/ablation.sh [row-name ...]   (no names = all rows; results in runs/ablation)
# Each row: name | dataset dir | train options. Rows skip cleanly when the dataset is absent. Every row
# trains on all training images (--calibration training), as the papers do.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/datasets}
OUT=${OUT:-runs/ablation}
ROWS=(
  "cookies-mnv2-expand|cookies|--epochs 30"
  "bottle-mnv2-expand|mvtec_ad/bottle|--epochs 10"
  "magnetic_tile-mnv2-expand|magnetic_tile|--epochs 8 --limit 200"
  "cookies-mnv2-imagenet|cookies|--epochs 30 --taps imagenet"
  "cookies-mnv2mid-expand|cookies|--epochs 30 --teacher mobilenet_v2_mid"
  "cookies-inception|cookies|--epochs 30 --teacher inception_v3"
  "cookies-mnv2-expand-small|cookies|--epochs 30 --widths 32,64,128 --embed 192"
  "bottle-mnv2-imagenet|mvtec_ad/bottle|--epochs 10 --taps imagenet"
  "bottle-mnv2-expand-16ep|mvtec_ad/bottle|--epochs 16 --map-scales 2,3"
  "bottle-inception|mvtec_ad/bottle|--epochs 10 --teacher inception_v3"
  "cookies-mnv2-expand-large|cookies|--epochs 30 --widths 64,128,256 --embed 384"
  "cookies-mnv2-expand-perpos|cookies|--epochs 30 --loss per-position"
  "cookies-mnv2-expand-b4|cookies|--epochs 30 --batch 4"
  "screw-mnv2-expand|mvtec_ad/screw|--epochs 20"
  "screw-inception|mvtec_ad/screw|--epochs 10 --teacher inception_v3"
  "magnetic_tile-mnv2-expand-all|magnetic_tile|--epochs 8"
  "cookies-mnv2-expand-s320|cookies|--epochs 30 --size 320"
  "cookies-mnv2-expand-s384|cookies|--epochs 30 --size 384"
  "cookies-mnv2-expand-50ep|cookies|--epochs 50"
)
mkdir -p "$OUT"
# Rows use every teacher: convert the missing ones first (an already converted teacher is skipped).
npx tsx cli/convert-teacher.ts --all
for row in "${ROWS[@]}"; do
  IFS='|' read -r name data opts <<<"$row"
  if [ "$#" -gt 0 ] && [[ ! " $* " == *" $name "* ]]; then continue; fi
  if [ ! -d "$DATA/$data" ]; then echo "skip $name: $DATA/$data absent"; continue; fi
  echo "=== $name: train $opts"
  # shellcheck disable=SC2086
  npx tsx cli/train.ts --data "$DATA/$data" --out "$OUT/$name" --calibration training $opts --quiet
  npx tsx cli/eval.ts --data "$DATA/$data" --model "$OUT/$name" --json --quiet | tee "$OUT/$name/eval.json"
  # the other map-scale selection too (paper: 1,2,3; our default: 2,3)
  alt=$(node -e 'const m=require(process.argv[1]); console.log((m.map.scales||[1,2,3]).join()==="2,3"?"1,2,3":"2,3")' "$PWD/$OUT/$name/meta.json")
  npx tsx cli/eval.ts --data "$DATA/$data" --model "$OUT/$name" --scales "$alt" --out "$OUT/$name/eval-alt" --json --quiet >/dev/null
  # test-time flips (README ablation: an evaluation option, not a default)
  npx tsx cli/eval.ts --data "$DATA/$data" --model "$OUT/$name" --views flips --out "$OUT/$name/eval-flips" --json --quiet >/dev/null
  # the teacher's training-free nearest-neighbour evidence alone, and fused with RD's map (README ablation)
  npx tsx cli/eval.ts --data "$DATA/$data" --model "$OUT/$name" --evidence nn --out "$OUT/$name/eval-nn" --json --quiet >/dev/null
  npx tsx cli/eval.ts --data "$DATA/$data" --model "$OUT/$name" --evidence fused --out "$OUT/$name/eval-fused" --json --quiet >/dev/null
done
npx tsx cli/results-table.ts "$OUT"
