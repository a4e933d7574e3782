#!/bin/sh
# Accuracy on the simulator without and with calibration, at several times
# since programming. Each fold compiles once without calibration data and
# once with --calib on the fold's calibration inputs, then evaluates the
# fold's evaluation set on seeds 1 to 3. A cell is the mean top-1 over every
# fold and seed, with the standard deviation over those runs.
#
# Usage: bench/calibration.sh MODEL PRESET FOLDS ["EVAL OPTIONS"] [TIMES]
#   FOLDS: space-separated "CALIB_X.npy:EVAL_X.npy:EVAL_Y.npy" triples.
#   EVAL OPTIONS: passed to eval and, for --scale/--shift, used by --calib.
#   TIMES: seconds since programming, default "0 3600 86400 2592000".
#   BUILD (environment): the build folder, default build.
# Prints two Markdown table rows (without, with) after a header.
set -eu
cd "$(dirname "$0")/.."
model=$1
preset=$2
folds=$3
options=${4:-}
times=${5:-0 3600 86400 2592000}
build=${BUILD:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The --scale and --shift words of the options, which compile --calib takes too.
calib_options=$(echo "$options" | awk '{ for (i = 1; i < NF; i++)
    if ($i == "--scale" || $i == "--shift") printf "%s %s ", $i, $(i + 1) }')

# Appends one line "time correct samples" per seed of one evaluation.
evaluate() {
    # shellcheck disable=SC2086 # options holds several words on purpose
    "$build/aimcc" eval "$1" --inputs "$2" --labels "$3" $options --device sim \
        --repeat 3 --time "$4" --json -q |
        sed -n 's/.*"samples":[ ]*\([0-9]*\).*"correct":\[\([0-9,]*\)\].*/\1 \2/p' |
        awk -v t="$4" '{ n = split($2, c, ","); for (i = 1; i <= n; i++) print t, c[i], $1 }' \
            >> "$5"
}

fold_index=0
for fold in $folds; do
    fold_index=$((fold_index + 1))
    calib_x=$(echo "$fold" | cut -d: -f1)
    eval_x=$(echo "$fold" | cut -d: -f2)
    eval_y=$(echo "$fold" | cut -d: -f3)
    "$build/aimcc" compile -q "$model" -t "$preset" -o "$work/plain.aimc"
    # shellcheck disable=SC2086
    "$build/aimcc" compile -q "$model" -t "$preset" --calib "$calib_x" $calib_options \
        -o "$work/calibrated.aimc"
    for t in $times; do
        evaluate "$work/plain.aimc" "$eval_x" "$eval_y" "$t" "$work/without.txt"
        evaluate "$work/calibrated.aimc" "$eval_x" "$eval_y" "$t" "$work/with.txt"
    done
done

# Prints " mean ± std |" per time from "time correct samples" lines.
summarize() {
    for t in $times; do
        awk -v t="$t" '$1 == t { a = 100 * $2 / $3; s += a; q += a * a; n++ }
            END { m = s / n; v = q / n - m * m; if (v < 0) v = 0;
                  printf " %.2f ± %.2f |", m, sqrt(v) }' "$1"
    done
}

printf '| %s on %s |' "$(basename "$model")" "$preset"
for t in $times; do printf ' t = %s s |' "$t"; done
printf '\n|---|'
for t in $times; do printf -- '---|'; done
printf '\n| without calibration |%s\n' "$(summarize "$work/without.txt")"
printf '| with calibration |%s\n' "$(summarize "$work/with.txt")"
