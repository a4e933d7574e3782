#!/bin/sh
# Ablation of the simulator's effects on one model and preset: top-1 accuracy
# (mean and standard deviation over seeds 1 to 3) with every effect on, with
# each effect removed, and with each effect alone, at several times since
# programming. Each effect is switched by a --set at compile time, so every
# row runs the same simulator on a program whose parameters differ.
#
# Usage: bench/ablation.sh MODEL INPUTS LABELS PRESET "EVAL OPTIONS" [TIMES]
#   EFFECTS (environment): lines "name|--set KEY=VALUE ..." that turn one
#   effect off; the default list is the pcm-current one.
#   BUILD (environment): the build folder, default build.
#   COMPILE (environment): more compile options for every row, such as
#   "--calib X.npy".
#   ROWS (environment): "base" (all effects, no effect), "without", "alone"
#   or "all" (the default), so two runs can share the rows of one table.
#   TIMES: seconds since programming, default "0 3600 86400".
# Prints a Markdown table.
set -eu
cd "$(dirname "$0")/.."
model=$1
inputs=$2
labels=$3
preset=$4
options=$5
times=${6:-0 3600 86400}
build=${BUILD:-build}
compile_options=${COMPILE:-}
effects=${EFFECTS:-"programming noise|--set kinds[pcm].device.programming.scale=0
drift|--set kinds[pcm].device.drift.scale=0
accumulated read noise|--set kinds[pcm].device.read_noise.scale=0
read noise per MVM|--set device.read_noise.mvm=0
output noise|--set circuit.output_noise=0
IR drop|--set circuit.wires.ir_drop=off"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints " mean ± std |" for one program at one time.
score() {
    # shellcheck disable=SC2086 # options holds several words on purpose
    "$build/aimcc" eval "$1" --inputs "$inputs" --labels "$labels" $options \
        --device sim --repeat 3 --time "$2" --json -q |
        sed -n 's/.*"top1":[ ]*\([0-9.e+-]*\).*"top1_std":[ ]*\([0-9.e+-]*\).*/\1 \2/p' |
        awk '{ printf " %.2f ± %.2f |", $1 * 100, $2 * 100 }'
}

# Compiles one row's program with the given --set arguments and prints the row.
row() {
    name=$1
    shift
    # shellcheck disable=SC2086 # compile_options holds several words on purpose
    "$build/aimcc" compile -q "$model" -t "$preset" -o "$work/row.aimc" $compile_options "$@"
    printf '| %s |' "$name"
    for t in $times; do score "$work/row.aimc" "$t"; done
    printf '\n'
}

all_off=$(echo "$effects" | cut -d'|' -f2 | tr '\n' ' ')

printf '| %s on %s |' "$(basename "$model")" "$preset"
for t in $times; do printf ' t = %s s |' "$t"; done
printf '\n|---|'
for t in $times; do printf -- '---|'; done
printf '\n'

rows=${ROWS:-all}
if [ "$rows" = all ] || [ "$rows" = base ]; then
    row "all effects"
    # shellcheck disable=SC2086 # all_off holds several --set words on purpose
    row "no effect" $all_off
fi
if [ "$rows" = all ] || [ "$rows" = without ]; then
    echo "$effects" | while IFS='|' read -r name off; do
        # shellcheck disable=SC2086
        row "without $name" $off
    done
fi
if [ "$rows" = all ] || [ "$rows" = alone ]; then
    echo "$effects" | while IFS='|' read -r name off; do
        others=$(echo "$effects" | grep -v "^$name|" | cut -d'|' -f2 | tr '\n' ' ')
        # shellcheck disable=SC2086
        row "$name alone" $others
    done
fi
