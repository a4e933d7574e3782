#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates models/refs: onnxruntime-node outputs of the nine real models on a few samples
# of their test data (inputs from ref_inputs.py), and their top-1 accuracy on the whole data
# set, stamped with the onnxruntime version in models/refs/README.md. Only developers run it,
# so tests and CI never need node or npm.
#
# Usage: models/make_refs.sh ORT_DIR [SHARED_DIR]
#   ORT_DIR     a folder outside the repository holding ort_run.js (the shared reference
#               runner) and node_modules with onnxruntime-node and onnxruntime-common
#   SHARED_DIR  the folder with models/ (default: ../shared beside the repository)
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 ORT_DIR [SHARED_DIR]" >&2
    exit 2
fi
ORT_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED_DIR=$(cd "${2:-$HERE/../../shared}" && pwd)
PYTHON=/usr/bin/python3
REFS="$HERE/refs"
RUN="node $ORT_DIR/ort_run.js"

if [ ! -f "$ORT_DIR/ort_run.js" ] || [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
    echo "$0: $ORT_DIR needs ort_run.js and node_modules/onnxruntime-node; install with" >&2
    echo "  npm init -y && npm install --ignore-scripts onnxruntime-node@1.31.1 onnxruntime-common@1.31.1" >&2
    exit 1
fi
ORT_VERSION=$(node -e "console.log(require('$ORT_DIR/node_modules/onnxruntime-node/package.json').version)")
ONNX_VERSION=$($PYTHON -c "import onnx; print(onnx.__version__)")
NUMPY_VERSION=$($PYTHON -c "import numpy; print(numpy.__version__)")

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

# Reference outputs, with graph optimizations disabled for every model so that onnxruntime
# keeps the ONNX float semantics of each node (no fusion, no QDQ folding into integer kernels).
rm -rf "$REFS"
mkdir -p "$REFS"
$PYTHON "$HERE/ref_inputs.py" --list | while read -r name model licence dtype; do
    $PYTHON "$HERE/ref_inputs.py" "$SHARED_DIR" "$SCRATCH/$name" "$name"
    for set_dir in "$SCRATCH/$name"/test_data_set_*; do
        set_name=$(basename "$set_dir")
        $RUN "$SHARED_DIR/models/$model" "$set_dir/input_0.pb" --opt disabled --out "$set_dir/out" >/dev/null
        mkdir -p "$REFS/$name/$set_name"
        cp "$set_dir/out/output_0.pb" "$REFS/$name/$set_name/output_0.pb"
        # The EEMBC data stays in the shared folder: the tests rebuild those inputs from it.
        if [ "$licence" = free ]; then
            cp "$set_dir/input_0.pb" "$REFS/$name/$set_name/input_0.pb"
        fi
    done
    echo "$name: $(ls -d "$REFS/$name"/test_data_set_* | wc -l) data sets"
done

# Top-1 on each whole data set with each sample run alone: float models at the default
# optimization level, the int8 QDQ model with optimizations disabled.
top1() {
    model=$1 data=$2 labels=$3
    shift 3
    $RUN "$SHARED_DIR/models/$model" --dataset "$SHARED_DIR/models/$data" \
        --labels "$SHARED_DIR/models/$labels" --json "$@" |
        node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s);console.log(r.correct+'/'+r.samples+' = '+(100*r.accuracy).toFixed(2)+'%')})"
}
MNIST="data/mnist-test/x_test_uint8.npy data/mnist-test/y_test.npy"
CIFAR_NHWC="data/cifar10-200/x_nhwc_uint8.npy data/cifar10-200/y.npy"
CIFAR_NCHW="data/cifar10-200/x_nchw_imagenet_norm_f32.npy data/cifar10-200/y.npy"
KWS="data/speech-commands-1000/x_int8.npy data/speech-commands-1000/y.npy"
# shellcheck disable=SC2086
{
    echo "| mnist-cnn | $(top1 mnist-cnn/model.onnx $MNIST) |"
    echo "| mnist-mlp | $(top1 mnist-mlp/mnist.onnx $MNIST --scale 0.012728 --shift -0.424212) |"
    echo "| cifar10-resnet8 | $(top1 cifar10-resnet8/ic_resnet8_fp32.onnx $CIFAR_NHWC) |"
    for depth in 14 20 32 56; do
        echo "| cifar10-resnet$depth | $(top1 cifar10-resnet-crosssim/resnet${depth}_cifar10.onnx $CIFAR_NCHW) |"
    done
    echo "| kws-dscnn-float | $(top1 kws-dscnn/kws_ref_model_float32.onnx $KWS --scale 0.5847029 --shift -48.5303407) |"
    echo "| kws-dscnn-int8 | $(top1 kws-dscnn/kws_ref_model_int8_qdq.onnx $KWS --opt disabled) |"
} >"$SCRATCH/top1.md"

sed -e "s/@ORT_VERSION@/$ORT_VERSION/g" -e "s/@ONNX_VERSION@/$ONNX_VERSION/g" \
    -e "s/@NUMPY_VERSION@/$NUMPY_VERSION/g" -e "/@TOP1@/r $SCRATCH/top1.md" -e "/@TOP1@/d" \
    "$HERE/refs_readme.in" >"$REFS/README.md"
echo "wrote $REFS"
