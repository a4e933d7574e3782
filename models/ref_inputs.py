# SPDX-License-Identifier: MIT
# Writes the inputs of the reference data sets in models/refs: a few real samples of each
# model's test data, preprocessed as the model expects, as ONNX TensorProto files.
# make_refs.sh runs onnxruntime on them. tests/test_models.c builds the same inputs from the
# same table, so a change here must be made there too.
# Run with Debian's /usr/bin/python3 (python3-onnx 1.12, python3-numpy).
import os
import sys

import numpy as np
from onnx import numpy_helper

# name: (model file, data file, input name, input dtype, sample shape, scale, shift,
#        samples per data set, whether the data is EEMBC's)
# Each input is x * scale + shift computed in float32 and cast to the input dtype, where x is
# the data sample. The data sets take consecutive samples from sample 0 on. Models whose
# leading dimension is symbolic get one batch of 8 and one batch of 3, the others one sample
# per data set.
MODELS = {
    "mnist-cnn": ("mnist-cnn/model.onnx", "data/mnist-test/x_test_uint8.npy", "Input3",
                  np.float32, (1, 1, 28, 28), 1.0, 0.0, [1] * 8, False),
    "mnist-mlp": ("mnist-mlp/mnist.onnx", "data/mnist-test/x_test_uint8.npy", "image",
                  np.float32, (1, 1, 28, 28), 0.012728, -0.424212, [1] * 8, False),
    "cifar10-resnet8": ("cifar10-resnet8/ic_resnet8_fp32.onnx", "data/cifar10-200/x_nhwc_uint8.npy",
                        "input_1", np.float32, (32, 32, 3), 1.0, 0.0, [8, 3], True),
    "kws-dscnn-float": ("kws-dscnn/kws_ref_model_float32.onnx",
                        "data/speech-commands-1000/x_int8.npy", "input_1", np.float32,
                        (1, 49, 10, 1), 0.5847029, -48.5303407, [1] * 8, True),
    "kws-dscnn-int8": ("kws-dscnn/kws_ref_model_int8_qdq.onnx",
                       "data/speech-commands-1000/x_int8.npy", "input_1", np.int8,
                       (1, 49, 10, 1), 1.0, 0.0, [1] * 8, True),
}
for depth in (14, 20, 32, 56):
    MODELS["cifar10-resnet%d" % depth] = (
        "cifar10-resnet-crosssim/resnet%d_cifar10.onnx" % depth,
        "data/cifar10-200/x_nchw_imagenet_norm_f32.npy", "input", np.float32, (3, 32, 32),
        1.0, 0.0, [8, 3], True)


def preprocess(x, dtype, scale, shift):
    """Compute x * scale + shift in float32 and cast to dtype, as `aimcc eval` does."""
    y = x.astype(np.float32)
    if scale != 1.0 or shift != 0.0:
        y = y * np.float32(scale) + np.float32(shift)
    if dtype == np.float32:
        return y
    info = np.iinfo(dtype)
    return np.clip(np.rint(y), info.min, info.max).astype(dtype)


def write_inputs(shared_dir, out_dir, name):
    """Write out_dir/test_data_set_K/input_0.pb for every data set of model name."""
    _, data, input_name, dtype, sample_shape, scale, shift, batches, _ = MODELS[name]
    x = np.load(os.path.join(shared_dir, "models", data))
    first = 0
    for k, batch in enumerate(batches):
        samples = preprocess(x[first:first + batch], dtype, scale, shift)
        if sample_shape[0] == 1 and batch == 1:
            tensor = samples.reshape(sample_shape)
        else:
            tensor = samples.reshape((batch,) + sample_shape)
        folder = os.path.join(out_dir, "test_data_set_%d" % k)
        os.makedirs(folder, exist_ok=True)
        proto = numpy_helper.from_array(np.ascontiguousarray(tensor), input_name)
        with open(os.path.join(folder, "input_0.pb"), "wb") as f:
            f.write(proto.SerializeToString())
        first += batch


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        for name, entry in MODELS.items():
            print(name, entry[0], "eembc" if entry[8] else "free",
                  "int8" if entry[3] == np.int8 else "float")
        return 0
    if len(sys.argv) != 4:
        print("usage: ref_inputs.py --list | SHARED_DIR OUT_DIR MODEL", file=sys.stderr)
        return 2
    write_inputs(sys.argv[1], sys.argv[2], sys.argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
