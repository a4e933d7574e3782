#!/bin/sh
# Times `aimcc eval` against onnxruntime-node on the same model, samples and
# batch size in one run, and prints a Markdown table row per case. The rows go
# into docs/BENCHMARKS.md by hand, with this command line.
#
# Usage: bench/run.sh [BUILD_DIR]     (default build/)
# Needs node and npm: onnxruntime-node is installed into a scratch folder
# (AIMCC_BENCH_ORT, default /tmp/aimcc-bench-ort) on first use.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
shared=${AIMCC_SHARED_DIR:-../shared}
ort_dir=${AIMCC_BENCH_ORT:-/tmp/aimcc-bench-ort}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
    mkdir -p "$ort_dir"
    (cd "$ort_dir" && npm init -y >/dev/null &&
        npm install --ignore-scripts onnxruntime-node@1.31.1 onnxruntime-common@1.31.1 >/dev/null)
fi
cp bench/ort_bench.js "$ort_dir/"

# name|target|model|inputs|scale|shift|samples|batch|sample shape
# The MNIST CNN has a fixed batch of 1 in its graph, so onnxruntime runs it one image at a time.
cases="mnist-cnn|float|models/mnist-cnn/model.onnx|models/mnist-cnn/data/x_test_uint8.npy|1|0|10000|1|1,28,28
resnet20|float|$shared/models/cifar10-resnet-crosssim/resnet20_cifar10.onnx|$shared/models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy|1|0|200|64|3,32,32
resnet56|float|$shared/models/cifar10-resnet-crosssim/resnet56_cifar10.onnx|$shared/models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy|1|0|200|64|3,32,32
resnet20|pcm-current|$shared/models/cifar10-resnet-crosssim/resnet20_cifar10.onnx|$shared/models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy|1|0|200|64|3,32,32
resnet20|rram-current|$shared/models/cifar10-resnet-crosssim/resnet20_cifar10.onnx|$shared/models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy|1|0|200|64|3,32,32
resnet56|pcm-current|$shared/models/cifar10-resnet-crosssim/resnet56_cifar10.onnx|$shared/models/data/cifar10-200/x_nchw_imagenet_norm_f32.npy|1|0|200|64|3,32,32"

labels_for() {
    case "$1" in
    mnist-cnn) echo models/mnist-cnn/data/y_test.npy ;;
    *) echo "$shared/models/data/cifar10-200/y.npy" ;;
    esac
}

echo "| model | target | samples | batch | aimcc compile (s) | aimcc eval (s) | onnxruntime (s) | ratio |"
echo "|---|---|---|---|---|---|---|---|"
echo "$cases" | while IFS='|' read -r name target model inputs scale shift samples batch shape; do
    start=$(date +%s.%N)
    "$build/aimcc" compile -q "$model" -t "$target" -o "$work/$name.aimc"
    compile_seconds=$(echo "$(date +%s.%N) - $start" | bc)
    aimcc_seconds=$("$build/aimcc" eval "$work/$name.aimc" --inputs "$inputs" \
        --labels "$(labels_for "$name")" --scale "$scale" --shift "$shift" --limit "$samples" \
        --batch "$batch" --device exact --json | sed -n 's/.*"seconds":[ ]*\([0-9.e+-]*\).*/\1/p')
    ort_seconds=$(node "$ort_dir/ort_bench.js" "$model" "$inputs" "$batch" "$samples" "$scale" \
        "$shift" "$shape" | sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p')
    ratio=$(echo "scale=2; $aimcc_seconds / $ort_seconds" | bc)
    printf '| %s | %s | %s | %s | %.3f | %.3f | %.3f | %s |\n' "$name" "$target" "$samples" "$batch" \
        "$compile_seconds" "$aimcc_seconds" "$ort_seconds" "$ratio"
done
