#!/bin/sh
# Prints the top-1 accuracy of the MNIST CNN (1000 images), the CIFAR-10
# ResNet-20 (200 images) and the float DS-CNN (1000 samples) compiled for the
# float target and for every preset, on the given device, as a Markdown table.
#
# Usage: bench/accuracy.sh [BUILD_DIR] [DEVICE]     (defaults: build/, exact)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
device=${2:-exact}
shared=${AIMCC_SHARED_DIR:-../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets="float pcm-current rram-current sram-charge sram-charge-redist sram-capdiv rram-resdiv time-domain hetero"

# name|model|inputs|labels|eval options
cases="MNIST CNN (1000)|models/mnist-cnn/model.onnx|models/mnist-cnn/data/x_test_uint8.npy|models/mnist-cnn/data/y_test.npy|--limit 1000
ResNet-20 (200)|$shared/models/cifar10-resnet-crosssim/resnet20_cifar10.onnx|$shared/models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy|$shared/models/data/cifar10-200/y.npy|--limit 200
DS-CNN float (1000)|$shared/models/kws-dscnn/kws_ref_model_float32.onnx|$shared/models/data/speech-commands-1000/x_int8.npy|$shared/models/data/speech-commands-1000/y.npy|--scale 0.5847029 --shift -48.5303407 --limit 1000"

printf '| model |'
for target in $targets; do printf ' %s |' "$target"; done
printf '\n|---|'
for target in $targets; do printf -- '---|'; done
printf '\n'

echo "$cases" | while IFS='|' read -r name model inputs labels options; do
    printf '| %s |' "$name"
    for target in $targets; do
        "$build/aimcc" compile -q "$model" -t "$target" -o "$work/program.aimc"
        # shellcheck disable=SC2086 # options holds several words on purpose
        top1=$("$build/aimcc" eval "$work/program.aimc" --inputs "$inputs" --labels "$labels" \
            $options --device "$device" --json |
            sed -n 's/.*"top1":[ ]*\([0-9.e+-]*\).*/\1/p')
        printf ' %.2f |' "$(echo "$top1 * 100" | bc -l)"
    done
    printf '\n'
done
