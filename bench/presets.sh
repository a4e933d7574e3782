#!/bin/sh
# Compiles one model for every preset with calibration data. Prints a
# Markdown table with one row per preset: the simulated top-1 accuracy (mean
# and standard deviation over seeds 1 to R), the cost model's energy,
# latency and area per inference, and the layers per domain. The float row
# runs on the exact device.
#
# Usage: bench/presets.sh MODEL CALIB.npy INPUTS.npy LABELS.npy ["EVAL OPTIONS"] [R]
#   EVAL OPTIONS: more options for compile and eval alike (--scale A --shift B)
#     and for eval alone after a "|" (--limit N).
#   PRESETS (environment): the presets, default every single-domain preset
#     of hetero's kinds and hetero itself.
#   BUILD (environment): the build folder, default build.
#   TIME (environment): seconds since programming, default 0.
set -eu
cd "$(dirname "$0")/.."
model=$1
calib=$2
inputs=$3
labels=$4
options=${5:-}
repeat=${6:-3}
build=${BUILD:-build}
time_s=${TIME:-0}
presets=${PRESETS:-"float pcm-current sram-charge rram-resdiv time-domain hetero"}
shared_options=${options%%|*}
eval_options=
case $options in *"|"*) eval_options=${options#*|} ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '| preset | top-1 (%%) | energy (uJ) | latency (us) | area (mm^2) | layers by domain |\n'
printf '|---|---|---|---|---|---|\n'
for preset in $presets; do
    # --scale and --shift go with --calib, which the float target needs not.
    calib_options="--calib $calib $shared_options"
    device=sim
    if [ "$preset" = float ]; then
        calib_options=
        device=exact
    fi
    # shellcheck disable=SC2086 # the option variables hold several words on purpose
    "$build/aimcc" compile -q "$model" -t "$preset" -o "$work/p.aimc" $calib_options \
        --report "$work/r.json"
    # shellcheck disable=SC2086
    accuracy=$("$build/aimcc" eval "$work/p.aimc" --inputs "$inputs" --labels "$labels" \
        $shared_options $eval_options --device "$device" --repeat "$repeat" --time "$time_s" \
        --json -q |
        sed -n 's/.*"top1":[ ]*\([0-9.e+-]*\).*"top1_std":[ ]*\([0-9.e+-]*\).*/\1 \2/p' |
        awk '{ printf "%.2f ± %.2f", $1 * 100, $2 * 100 }')
    costs=$(python3 - "$work/r.json" <<'EOF'
import collections
import json
import sys

report = json.load(open(sys.argv[1]))
estimates = report.get("estimates") or {}
total = estimates.get("total") or {}
domains = collections.Counter(layer["domain"] for layer in estimates.get("layers", []))
layers = ", ".join(f"{name} {count}" for name, count in sorted(domains.items()))
print(f"{total.get('energy_pj', 0) / 1e6:.2f} | {total.get('latency_ns', 0) / 1e3:.0f} | "
      f"{total.get('area_um2', 0) / 1e6:.2f} | {layers or '-'}")
EOF
)
    printf '| %s | %s | %s |\n' "$preset" "$accuracy" "$costs"
done
