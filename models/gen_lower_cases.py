#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate the single-op ONNX models of tests/test_lower.c.

Each case folder under tests/data/lower/ contains model.onnx, input_K.pb and,
for valid cases, output_K.pb with the expected outputs computed here with
numpy, independently of aimcc. Cases named error_* are models that the
importer must reject. Run with /usr/bin/python3 (onnx 1.12, numpy).
"""
import math
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, mapping, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "lower")
RNG = np.random.default_rng(20240607)
INT64_MAX = np.iinfo(np.int64).max


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def save(name, nodes, feeds, expected, opset=13, inits=None, symbolic=None):
    """Write one case. feeds and expected map tensor names to arrays, and
    symbolic maps an input name to the name of its symbolic leading dimension."""
    symbolic = symbolic or {}
    inputs = []
    for key, arr in feeds.items():
        shape = list(arr.shape)
        if key in symbolic:
            shape[0] = symbolic[key]
        elem = mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype]
        inputs.append(helper.make_tensor_value_info(key, elem, shape))
    outputs = []
    for key, arr in expected.items():
        shape = list(arr.shape)
        if symbolic and shape:
            shape[0] = next(iter(symbolic.values()))
        outputs.append(helper.make_tensor_value_info(key, mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype],
                                                     shape))
    initializers = [numpy_helper.from_array(arr, key) for key, arr in (inits or {}).items()]
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="gen_lower_cases.py onnx " + onnx.__version__)
    model.ir_version = 7
    # onnx 1.12 defines opsets up to 17, so its checker rejects opset 18 models.
    if opset <= 17:
        onnx.checker.check_model(model)
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for index, (key, arr) in enumerate(feeds.items()):
        write_tensor(os.path.join(folder, "input_%d.pb" % index), arr, key)
    for index, (key, arr) in enumerate(expected.items()):
        write_tensor(os.path.join(folder, "output_%d.pb" % index), arr, key)


def write_tensor(path, arr, name):
    with open(path, "wb") as file:
        file.write(numpy_helper.from_array(np.array(arr, order="C"), name).SerializeToString())


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def conv2d(x, w, b, strides, pads, dilations=(1, 1), group=1):
    """Direct convolution with pads (top, left, bottom, right)."""
    n, c, _, _ = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    eh, ew = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
    oh = (xp.shape[2] - eh) // strides[0] + 1
    ow = (xp.shape[3] - ew) // strides[1] + 1
    y = np.zeros((n, m, oh, ow), np.float64)
    mg = m // group
    for o in range(m):
        g = o // mg
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * strides[0]:i * strides[0] + eh:dilations[0],
                           j * strides[1]:j * strides[1] + ew:dilations[1]]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def pool2d(x, kernel, strides, pads, mode, ceil_mode=0, count_include_pad=0):
    """Max or average pooling over valid elements (pads are top, left, bottom, right)."""
    n, c, h, w = x.shape
    sizes = []
    for axis, size in enumerate((h, w)):
        span = size + pads[axis] + pads[axis + 2] - kernel[axis]
        sizes.append((math.ceil if ceil_mode else math.floor)(span / strides[axis]) + 1)
    y = np.zeros((n, c, sizes[0], sizes[1]), np.float32)
    for i in range(sizes[0]):
        for j in range(sizes[1]):
            h0, w0 = i * strides[0] - pads[0], j * strides[1] - pads[1]
            h1, w1 = h0 + kernel[0], w0 + kernel[1]
            window = x[:, :, max(h0, 0):min(h1, h), max(w0, 0):min(w1, w)]
            if mode == "max":
                y[:, :, i, j] = window.max(axis=(2, 3))
            elif count_include_pad:
                ph0, pw0 = -pads[0], -pads[1]
                ph1, pw1 = h + pads[2], w + pads[3]
                area = (min(h1, ph1) - max(h0, ph0)) * (min(w1, pw1) - max(w0, pw0))
                y[:, :, i, j] = window.sum(axis=(2, 3)) / area
            else:
                y[:, :, i, j] = window.mean(axis=(2, 3))
    return y



def cases_softmax():
    x = randn(2, 3, 4)
    # Opset 11 coerces to 2-D at axis 1 (its default): softmax over the last 12 values.
    y11 = softmax(x.reshape(2, 12), 1).reshape(2, 3, 4)
    save("softmax_opset11_default_axis",
         [helper.make_node("Softmax", ["x"], ["y"], name="softmax")], {"x": x}, {"y": y11},
         opset=11)
    save("softmax_opset13_default_axis",
         [helper.make_node("Softmax", ["x"], ["y"], name="softmax")], {"x": x},
         {"y": softmax(x, -1)}, opset=13)
    x4 = randn(2, 3, 2, 2)
    y4 = np.log(softmax(x4.reshape(6, 4), 1)).reshape(2, 3, 2, 2)
    save("log_softmax_opset11_axis2",
         [helper.make_node("LogSoftmax", ["x"], ["y"], name="log_softmax", axis=2)],
         {"x": x4}, {"y": y4}, opset=11)


def cases_shape_ops():
    x = randn(2, 1, 3, 1)
    save("squeeze_opset11_axes_attr",
         [helper.make_node("Squeeze", ["x"], ["y"], name="squeeze", axes=[1, -1])],
         {"x": x}, {"y": x.reshape(2, 3)}, opset=11)
    save("squeeze_opset13_axes_input",
         [helper.make_node("Squeeze", ["x", "axes"], ["y"], name="squeeze")], {"x": x},
         {"y": x.reshape(2, 3, 1)}, inits={"axes": np.array([1], np.int64)}, opset=13)
    save("unsqueeze_opset11_axes_attr",
         [helper.make_node("Unsqueeze", ["x"], ["y"], name="unsqueeze", axes=[0, 4])],
         {"x": x}, {"y": x.reshape(1, 2, 1, 3, 1, 1)}, opset=11)

    x4 = randn(2, 2, 3, 2)
    save("reshape_zero_minus_one",
         [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")], {"x": x4},
         {"y": x4.reshape(4, 2, 3)}, inits={"shape": np.array([-1, 0, 0], np.int64)})
    save("flatten_negative_axis",
         [helper.make_node("Flatten", ["x"], ["y"], name="flatten", axis=-2)], {"x": x4},
         {"y": x4.reshape(4, 6)}, opset=13)
    save("transpose_default_perm",
         [helper.make_node("Transpose", ["x"], ["y"], name="transpose")], {"x": x4},
         {"y": x4.transpose()})

    # x.view(x.shape[0], -1) exported with a symbolic batch, run at batch 3.
    xb = randn(3, 3, 4)
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze"),
        helper.make_node("Concat", ["n1", "minus_one"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape"),
    ]
    save("shape_chain_keeps_batch", nodes, {"x": xb}, {"y": xb.reshape(3, 12)},
         inits={"zero": np.array(0, np.int64), "axes": np.array([0], np.int64),
                "minus_one": np.array([-1], np.int64)}, symbolic={"x": "N"})

    # The reshape family on a symbolic batch, run at batch 3: every op keeps axis 0,
    # and a Reshape to a literal leading 1 means the batch.
    xb = randn(3, 2, 1, 3)
    s = xb.reshape(3, 2, 3)
    u = softmax(s.reshape(3, 6), 1).reshape(3, 1, 6)
    nodes = [
        helper.make_node("Squeeze", ["x"], ["s"], name="squeeze", axes=[2]),
        helper.make_node("Softmax", ["s"], ["p"], name="softmax"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Unsqueeze", ["f"], ["u"], name="unsqueeze", axes=[1]),
        helper.make_node("Reshape", ["u", "one_six"], ["y"], name="reshape"),
    ]
    save("batched_reshape_family", nodes, {"x": xb}, {"y": u.reshape(3, 6)},
         inits={"one_six": np.array([1, 6], np.int64)}, symbolic={"x": "N"}, opset=11)

    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape", start=-2),
             helper.make_node("Cast", ["s"], ["y"], name="cast", to=TensorProto.FLOAT)]
    save("shape_opset15_start", nodes, {"x": x4}, {"y": np.array([3, 2], np.float32)},
         opset=15)


def cases_clip():
    x = randn(3, 4) * 3
    save("clip_opset10_attributes",
         [helper.make_node("Clip", ["x"], ["y"], name="clip", max=0.5)], {"x": x},
         {"y": np.minimum(x, 0.5)}, opset=10)
    save("clip_opset11_absent_min",
         [helper.make_node("Clip", ["x", "", "hi"], ["y"], name="clip")], {"x": x},
         {"y": np.minimum(x, np.float32(0.25))}, inits={"hi": np.array(0.25, np.float32)},
         opset=11)
    save("clip_opset11_both_bounds",
         [helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")], {"x": x},
         {"y": np.clip(x, -1.0, 0.25)},
         inits={"lo": np.array(-1.0, np.float32), "hi": np.array(0.25, np.float32)}, opset=13)


def cases_slice_split():
    x = randn(4, 5)
    starts = np.array([-1, 4], np.int64)
    ends = np.array([-INT64_MAX, 0], np.int64)
    save("slice_negative_steps",
         [helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"],
                           name="slice")], {"x": x}, {"y": x[::-1, 4:0:-2]},
         inits={"starts": starts, "ends": ends, "axes": np.array([0, -1], np.int64),
                "steps": np.array([-1, -2], np.int64)})
    save("slice_opset9_attributes",
         [helper.make_node("Slice", ["x"], ["y"], name="slice", starts=[1, -3], ends=[100, -1],
                           axes=[0, 1])], {"x": x}, {"y": x[1:, -3:-1]}, opset=9)

    x7 = randn(2, 7)
    save("split_opset13_input",
         [helper.make_node("Split", ["x", "split"], ["a", "b"], name="split", axis=1)],
         {"x": x7}, {"a": x7[:, :2], "b": x7[:, 2:]}, inits={"split": np.array([2, 5], np.int64)})
    save("split_opset11_attribute",
         [helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, split=[4, 3])],
         {"x": x7}, {"a": x7[:, :4], "b": x7[:, 4:]}, opset=11)
    save("split_opset18_num_outputs",
         [helper.make_node("Split", ["x"], ["a", "b", "c"], name="split", axis=1,
                           num_outputs=3)],
         {"x": x7}, {"a": x7[:, :3], "b": x7[:, 3:6], "c": x7[:, 6:]}, opset=18)

    # Slice and Split of a symbolic batch along other axes, run at batch 2.
    xb = randn(2, 4, 5)
    nodes = [
        helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], name="slice"),
        helper.make_node("Split", ["x", "split"], ["a", "b"], name="split", axis=1),
    ]
    save("batched_slice_split", nodes, {"x": xb},
         {"y": xb[:, 1:3, 4:0:-2], "a": xb[:, :1], "b": xb[:, 1:]},
         inits={"starts": np.array([1, -1], np.int64), "ends": np.array([3, 0], np.int64),
                "axes": np.array([1, 2], np.int64), "steps": np.array([1, -2], np.int64),
                "split": np.array([1, 3], np.int64)},
         symbolic={"x": "N"})

    x3 = randn(3, 4)
    save("gather_negative_int32_indices",
         [helper.make_node("Gather", ["x", "idx"], ["y"], name="gather", axis=1)], {"x": x3},
         {"y": x3[:, [3, 0, 3]]}, inits={"idx": np.array([-1, 0, 3], np.int32)})
    save("concat_negative_axis",
         [helper.make_node("Concat", ["x", "z"], ["y"], name="concat", axis=-1)], {"x": x3},
         {"y": np.concatenate([x3, x3 * 2], axis=-1)}, inits={"z": x3 * 2})


def cases_window():
    x = randn(1, 2, 5, 5)
    w = randn(3, 2, 2, 2)
    b = randn(3)
    # A 2x2 kernel at stride 1 needs one pad per axis: SAME_UPPER adds it at the
    # end, SAME_LOWER at the start.
    for mode, pads in (("SAME_UPPER", (0, 0, 1, 1)), ("SAME_LOWER", (1, 1, 0, 0))):
        save("conv_auto_pad_" + mode.lower(),
             [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", auto_pad=mode)],
             {"x": x}, {"y": conv2d(x, w, b, (1, 1), pads)}, inits={"w": w, "b": b})
    xd = randn(1, 4, 7, 7)
    wd = randn(4, 1, 3, 3)
    save("conv_depthwise_dilated_strided",
         [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", group=4, dilations=[2, 1],
                           strides=[2, 2], pads=[1, 0, 2, 1])],
         {"x": xd}, {"y": conv2d(xd, wd, None, (2, 2), (1, 0, 2, 1), (2, 1), 4)},
         inits={"w": wd})
    x1 = randn(2, 3, 8)
    w1 = randn(4, 3, 3)
    y1 = conv2d(x1[:, :, None, :], w1[:, :, None, :], None, (1, 2), (0, 1, 0, 1))[:, :, 0, :]
    save("conv_1d_strided",
         [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", strides=[2], pads=[1, 1])],
         {"x": x1}, {"y": y1}, inits={"w": w1})

    xp = randn(1, 2, 5, 5)
    save("maxpool_ceil_mode",
         [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                           strides=[2, 2], ceil_mode=1)],
         {"x": xp}, {"y": pool2d(xp, (2, 2), (2, 2), (0, 0, 0, 0), "max", ceil_mode=1)},
         opset=12)
    save("avgpool_count_include_pad",
         [helper.make_node("AveragePool", ["x"], ["y"], name="pool", kernel_shape=[3, 3],
                           pads=[1, 1, 1, 1], count_include_pad=1)],
         {"x": xp}, {"y": pool2d(xp, (3, 3), (1, 1), (1, 1, 1, 1), "avg", count_include_pad=1)})
    save("avgpool_same_lower_excluding_pad",
         [helper.make_node("AveragePool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                           auto_pad="SAME_LOWER")],
         {"x": xp}, {"y": pool2d(xp, (2, 2), (1, 1), (1, 1, 0, 0), "avg")})
    save("global_average_pool",
         [helper.make_node("GlobalAveragePool", ["x"], ["y"], name="gap")], {"x": xp},
         {"y": xp.mean(axis=(2, 3), keepdims=True)})
    save("global_max_pool",
         [helper.make_node("GlobalMaxPool", ["x"], ["y"], name="gmp")], {"x": xp},
         {"y": xp.max(axis=(2, 3), keepdims=True)})


def cases_linear():
    a = randn(3, 4)
    b = randn(5, 4)
    c = randn(5)
    save("gemm_trans_b_alpha_beta",
         [helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm", transB=1, alpha=0.5,
                           beta=2.0)],
         {"a": a}, {"y": 0.5 * a @ b.T + 2.0 * c}, inits={"b": b, "c": c})
    m = randn(2, 4, 3)
    save("matmul_batched",
         [helper.make_node("MatMul", ["a", "m"], ["y"], name="matmul")], {"a": a},
         {"y": a @ m}, inits={"m": m})

    x = randn(2, 3, 2, 2)
    scale, bias, mean = randn(3), randn(3), randn(3)
    var = np.abs(randn(3)) + 0.5
    y = (x - mean.reshape(1, 3, 1, 1)) / np.sqrt(var.reshape(1, 3, 1, 1) + 1e-5)
    y = y * scale.reshape(1, 3, 1, 1) + bias.reshape(1, 3, 1, 1)
    save("batch_norm_default_epsilon",
         [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn")],
         {"x": x}, {"y": y.astype(np.float32)},
         inits={"s": scale, "b": bias, "m": mean, "v": var.astype(np.float32)}, opset=15)


def cases_elementwise():
    x = randn(2, 3)
    z = randn(3)
    erf = np.vectorize(math.erf)
    unary = {
        "Neg": -x, "Abs": np.abs(x), "Exp": np.exp(x), "Erf": erf(x).astype(np.float32),
        "Relu": np.maximum(x, 0), "Sigmoid": 1 / (1 + np.exp(-x)), "Tanh": np.tanh(x),
        "HardSwish": x * np.clip(x / 6 + 0.5, 0, 1),
    }
    nodes = []
    expected = {}
    for op, value in unary.items():
        nodes.append(helper.make_node(op, ["x"], [op.lower()], name=op.lower()))
        expected[op.lower()] = value.astype(np.float32)
    nodes += [helper.make_node("Abs", ["x"], ["ax"], name="abs_for_sqrt"),
              helper.make_node("Sqrt", ["ax"], ["sqrt"], name="sqrt"),
              helper.make_node("Log", ["ax"], ["log"], name="log")]
    expected["sqrt"] = np.sqrt(np.abs(x)).astype(np.float32)
    expected["log"] = np.log(np.abs(x)).astype(np.float32)
    save("unary_ops", nodes, {"x": x}, expected, opset=14)

    binary = {"Add": x + z, "Sub": x - z, "Mul": x * z, "Div": x / z,
              "Pow": np.power(np.abs(x), z), "PRelu": np.where(x < 0, x * z, x)}
    nodes = []
    expected = {}
    for op, value in binary.items():
        first = "ax" if op == "Pow" else "x"
        nodes.append(helper.make_node(op, [first, "z"], [op.lower()], name=op.lower()))
        expected[op.lower()] = value.astype(np.float32)
    nodes.insert(0, helper.make_node("Abs", ["x"], ["ax"], name="abs"))
    save("binary_broadcast_ops", nodes, {"x": x}, expected, inits={"z": z})

    selu_alpha, selu_gamma = 1.67326319217681884765625, 1.05070102214813232421875
    activations = [
        ("LeakyRelu", {}, np.where(x < 0, 0.01 * x, x)),
        ("Elu", {"alpha": 0.5}, np.where(x < 0, 0.5 * (np.exp(x) - 1), x)),
        ("Selu", {}, selu_gamma * np.where(x < 0, selu_alpha * (np.exp(x) - 1), x)),
        ("HardSigmoid", {"beta": 0.4}, np.clip(0.2 * x + 0.4, 0, 1)),
    ]
    nodes = [helper.make_node(op, ["x"], [op.lower()], name=op.lower(), **attrs)
             for op, attrs, _ in activations]
    save("activation_attribute_defaults", nodes, {"x": x},
         {op.lower(): value.astype(np.float32) for op, _, value in activations})

    y = randn(2, 3)
    save("max_min_variadic",
         [helper.make_node("Max", ["x", "y", "z"], ["max"], name="max"),
          helper.make_node("Min", ["x"], ["min"], name="min")],
         {"x": x, "y": y}, {"max": np.maximum(np.maximum(x, y), z), "min": x}, inits={"z": z})


def cases_reduce_pad():
    x = randn(2, 3, 4)
    save("reduce_mean_opset13_attr",
         [helper.make_node("ReduceMean", ["x"], ["y"], name="reduce", axes=[-1, 1], keepdims=0)],
         {"x": x}, {"y": x.mean(axis=(1, 2))})
    save("reduce_sum_opset13_input",
         [helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="reduce")], {"x": x},
         {"y": x.sum(axis=1, keepdims=True)}, inits={"axes": np.array([1], np.int64)})
    save("reduce_max_opset18_empty_noop",
         [helper.make_node("ReduceMax", ["x"], ["y"], name="reduce", noop_with_empty_axes=1)],
         {"x": x}, {"y": x}, opset=18)
    save("reduce_max_opset18_all_axes",
         [helper.make_node("ReduceMax", ["x"], ["y"], name="reduce", keepdims=0)], {"x": x},
         {"y": np.array(x.max(), np.float32)}, opset=18)

    p = randn(1, 2, 3, 4)
    save("pad_opset10_constant",
         [helper.make_node("Pad", ["x"], ["y"], name="pad", pads=[0, 0, 1, 2, 0, 0, 2, 0],
                           value=1.5)],
         {"x": p}, {"y": np.pad(p, ((0, 0), (0, 0), (1, 2), (2, 0)), constant_values=1.5)},
         opset=10)
    save("pad_opset11_reflect",
         [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad", mode="reflect")], {"x": p},
         {"y": np.pad(p, ((0, 0), (0, 0), (2, 1), (1, 3)), mode="reflect")},
         inits={"pads": np.array([0, 0, 2, 1, 0, 0, 1, 3], np.int64)}, opset=11)
    save("pad_opset18_axes_edge",
         [helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], name="pad", mode="edge")],
         {"x": p}, {"y": np.pad(p, ((0, 0), (0, 0), (0, 0), (2, 1)), mode="edge")},
         inits={"pads": np.array([2, 1], np.int64), "axes": np.array([-1], np.int64)}, opset=18)


def cases_quant_cast():
    x = randn(2, 3, 2) * 4
    scale = np.array([0.05, 0.1, 0.2], np.float32)
    zero = np.array([0, 10, -5], np.int8)
    q = np.clip(np.rint(x / scale.reshape(1, 3, 1)) + zero.reshape(1, 3, 1), -128, 127)
    q = q.astype(np.int8)
    deq = ((q.astype(np.float32) - zero.reshape(1, 3, 1)) * scale.reshape(1, 3, 1))
    save("quantize_dequantize_per_axis",
         [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quantize", axis=1),
          helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], name="dequantize",
                           axis=1)],
         {"x": x}, {"q": q, "y": deq.astype(np.float32)}, inits={"s": scale, "z": zero})
    xs = randn(4) * 4
    qs = np.clip(np.rint(xs / 0.5) + 128, 0, 255).astype(np.uint8)
    save("quantize_opset10_per_tensor",
         [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quantize")],
         {"x": xs}, {"q": qs},
         inits={"s": np.array(0.5, np.float32), "z": np.array(128, np.uint8)}, opset=10)
    xc = np.array([-2.7, -0.4, 0.0, 1.6, 3.2], np.float32)
    save("cast_float_to_int32",
         [helper.make_node("Cast", ["x"], ["y"], name="cast", to=TensorProto.INT32)],
         {"x": xc}, {"y": xc.astype(np.int32)})


def cases_constants():
    x = randn(3)
    nodes = [
        helper.make_node("Constant", [], ["f"], name="c_float", value_float=2.0),
        helper.make_node("Constant", [], ["fs"], name="c_floats", value_floats=[1.0, -1.0, 0.5]),
        helper.make_node("Constant", [], ["i"], name="c_int", value_int=3),
        helper.make_node("Constant", [], ["is"], name="c_ints", value_ints=[3, 1]),
        helper.make_node("Constant", [], ["t"], name="c_tensor",
                         value=numpy_helper.from_array(np.array([10.0, 20.0, 30.0], np.float32))),
        helper.make_node("Mul", ["x", "f"], ["xf"], name="mul"),
        helper.make_node("Add", ["xf", "fs"], ["sum"], name="add"),
        helper.make_node("Add", ["sum", "t"], ["sum2"], name="add_tensor"),
        helper.make_node("Reshape", ["sum2", "is"], ["y"], name="reshape"),
        helper.make_node("Cast", ["i"], ["y_int"], name="cast", to=TensorProto.FLOAT),
    ]
    y = (x * 2 + np.array([1, -1, 0.5], np.float32) + np.array([10, 20, 30], np.float32))
    save("constant_every_form", nodes, {"x": x},
         {"y": y.reshape(3, 1).astype(np.float32), "y_int": np.array(3, np.float32)})

    nodes = [
        helper.make_node("ConstantOfShape", ["shape"], ["c"], name="fill",
                         value=numpy_helper.from_array(np.array([0.5], np.float32))),
        helper.make_node("Add", ["x", "c"], ["y"], name="add"),
        helper.make_node("Identity", ["y"], ["y2"], name="identity"),
        helper.make_node("Dropout", ["y2"], ["d", "mask"], name="dropout"),
    ]
    x23 = randn(2, 3)
    save("constant_of_shape_dropout_mask", nodes, {"x": x23},
         {"d": x23 + 0.5, "mask": np.ones((2, 3), bool)},
         inits={"shape": np.array([2, 3], np.int64)})


def save_error(name, nodes, inputs, outputs, opset=13, inits=None):
    """Write a model that the importer must reject (no reference outputs)."""
    initializers = [numpy_helper.from_array(arr, key) for key, arr in (inits or {}).items()]
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="gen_lower_cases.py onnx " + onnx.__version__)
    model.ir_version = 7
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))


def cases_errors():
    f = TensorProto.FLOAT
    x4 = [helper.make_tensor_value_info("x", f, [1, 2, 4, 4])]
    y = [helper.make_tensor_value_info("y", f, None)]
    save_error("error_maxpool_storage_order",
               [helper.make_node("MaxPool", ["x"], ["y"], name="pool_col_major",
                                 kernel_shape=[2, 2], storage_order=1)], x4, y, opset=12)
    save_error("error_maxpool_same_ceil",
               [helper.make_node("MaxPool", ["x"], ["y"], name="pool_same_ceil",
                                 kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER",
                                 ceil_mode=1)], x4, y, opset=12)
    save_error("error_maxpool_indices",
               [helper.make_node("MaxPool", ["x"], ["y", "idx"], name="pool_indices",
                                 kernel_shape=[2, 2])], x4,
               y + [helper.make_tensor_value_info("idx", TensorProto.INT64, None)], opset=12)
    save_error("error_conv_3d",
               [helper.make_node("Conv", ["x", "w"], ["y"], name="conv3d")],
               [helper.make_tensor_value_info("x", f, [1, 1, 3, 3, 3])], y,
               inits={"w": randn(1, 1, 2, 2, 2)})
    save_error("error_pad_wrap",
               [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad_wrap", mode="wrap")], x4,
               y, inits={"pads": np.zeros(8, np.int64)}, opset=18)
    save_error("error_reshape_runtime_shape",
               [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape_dynamic")],
               x4 + [helper.make_tensor_value_info("shape", TensorProto.INT64, [2])], y)
    save_error("error_clip_runtime_min",
               [helper.make_node("Clip", ["x", "lo"], ["y"], name="clip_dynamic")],
               x4 + [helper.make_tensor_value_info("lo", f, [])], y, opset=11)
    save_error("error_batch_norm_training",
               [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
                                 name="bn_train", training_mode=1)], x4, y, opset=15,
               inits={k: np.ones(2, np.float32) for k in "sbmv"})
    save_error("error_attribute_type",
               [helper.make_node("Softmax", ["x"], ["y"], name="softmax_float_axis", axis=1.0)],
               x4, y)
    save_error("error_squeeze_batch",
               [helper.make_node("Squeeze", ["x", "axes"], ["y"], name="squeeze_batch")],
               [helper.make_tensor_value_info("x", f, ["N", 3])], y,
               inits={"axes": np.array([0], np.int64)})
    save_error("error_cast_string",
               [helper.make_node("Cast", ["x"], ["y"], name="cast_string", to=TensorProto.STRING)],
               x4, [helper.make_tensor_value_info("y", TensorProto.STRING, None)])
    # An attribute no opset defines for Relu: ignored with a DEBUG log line.
    xr = randn(2, 3)
    save_error("relu_unknown_attribute",
               [helper.make_node("Relu", ["x"], ["y"], name="relu_extra", exporter_hint=7)],
               [helper.make_tensor_value_info("x", f, [2, 3])], y)
    write_tensor(os.path.join(OUT, "relu_unknown_attribute", "input_0.pb"), xr, "x")
    write_tensor(os.path.join(OUT, "relu_unknown_attribute", "output_0.pb"),
                 np.maximum(xr, 0), "y")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for generate in (cases_softmax, cases_shape_ops, cases_clip, cases_slice_split, cases_window,
                     cases_linear, cases_elementwise, cases_reduce_pad, cases_quant_cast,
                     cases_constants, cases_errors):
        generate()
    with open(os.path.join(OUT, "VERSIONS"), "w") as file:
        file.write("onnx %s\nnumpy %s\npython %s\n" % (onnx.__version__, np.__version__,
                                                       sys.version.split()[0]))


if __name__ == "__main__":
    main()
