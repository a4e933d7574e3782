#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the small ONNX models that tests/test_onnx_import.c reads.

Each model exercises one part of the ONNX import: a storage form of tensors,
a malformed or unsafe tensor, a graph structure fault, an input binding. The
files go to tests/data/onnx/ and rebuild byte for byte with Debian's
/usr/bin/python3 and python3-onnx 1.12:

    /usr/bin/python3 models/gen_import_cases.py

The values written here are repeated as literals in the C test, which checks
the decoded tensors against them.
"""

import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")
OPSET = 13
FLOAT = TensorProto.FLOAT


def tensor(name, data_type, dims, **fields):
    """Build a TensorProto field by field, so every storage form is explicit."""
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    for field, values in fields.items():
        if field == "raw_data":
            t.raw_data = values
        else:
            getattr(t, field).extend(values)
    return t


def external(name, data_type, dims, location, offset=None, length=None):
    t = tensor(name, data_type, dims)
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        entry = t.external_data.add()
        entry.key = key
        entry.value = value
    return t


def value_info(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def save(file_name, graph, opsets=None, ir_version=None):
    """Serialize a model with fixed producer fields, so the bytes are reproducible."""
    opset_imports = [helper.make_opsetid(domain, version)
                     for domain, version in (opsets or [("", OPSET)])]
    m = helper.make_model(graph, opset_imports=opset_imports,
                          producer_name="gen_import_cases.py",
                          producer_version="onnx " + onnx.__version__)
    if ir_version is not None:
        m.ir_version = ir_version
    with open(os.path.join(OUT_DIR, file_name), "wb") as f:
        f.write(m.SerializeToString())


def passthrough_graph(name, initializers, inputs=None):
    """Return a graph whose output is its input, so only the tensors are under test."""
    inputs = inputs or [value_info("x", FLOAT, [2])]
    return helper.make_graph([], name, inputs, [value_info(inputs[0].name, FLOAT, None)],
                             initializer=initializers)


def storage_forms():
    """Write a model with every storage form of TensorProto, external data at three offsets."""
    # storage_forms.bin: 4 filler bytes, ext_f32 at 4, ext_nolen at 32, ext_i64 at 64.
    blob = bytearray(b"\xab" * 80)
    blob[4:16] = np.array([1.5, -2.25, 3.0], dtype="<f4").tobytes()
    blob[32:40] = np.array([0.5, 0.25], dtype="<f4").tobytes()
    blob[64:80] = np.array([7, -9], dtype="<i8").tobytes()
    with open(os.path.join(OUT_DIR, "storage_forms.bin"), "wb") as f:
        f.write(bytes(blob))

    half_patterns = [0xFBFF, 0x0001, 0x3E00, 0x8000]  # -65504, 2^-24 (subnormal), 1.5, -0
    initializers = [
        tensor("f_raw", FLOAT, [2, 3],
               raw_data=np.array([0.5, -1, 2, 3.25, -4.5, 1e-3], dtype="<f4").tobytes()),
        tensor("f_data", FLOAT, [2, 2], float_data=[1, -2, 3.5, 4e10]),
        tensor("d_data", TensorProto.DOUBLE, [3], double_data=[1.0 / 3, -2.5, 1e300]),
        tensor("i8_data", TensorProto.INT8, [4], int32_data=[-128, -1, 0, 127]),
        tensor("u8_data", TensorProto.UINT8, [3], int32_data=[0, 200, 255]),
        tensor("i16_data", TensorProto.INT16, [2], int32_data=[-32768, 32767]),
        tensor("u16_data", TensorProto.UINT16, [2], int32_data=[0, 65535]),
        tensor("b_data", TensorProto.BOOL, [3], int32_data=[1, 0, 1]),
        tensor("h_data", TensorProto.FLOAT16, [4], int32_data=half_patterns),
        tensor("h_raw", TensorProto.FLOAT16, [3],
               raw_data=struct.pack("<3H", 0xFBFF, 0x0400, 0x2E66)),
        tensor("i32_data", TensorProto.INT32, [2], int32_data=[-2147483648, 2147483647]),
        tensor("i64_data", TensorProto.INT64, [3], int64_data=[-2**63, 5, 2**40]),
        tensor("u64_data", TensorProto.UINT64, [2], uint64_data=[2**64 - 1, 7]),
        tensor("u32_data", TensorProto.UINT32, [2], uint64_data=[2**32 - 1, 1]),
        tensor("i64_raw", TensorProto.INT64, [2], raw_data=struct.pack("<2q", -3, 2**50)),
        tensor("b_raw", TensorProto.BOOL, [2], raw_data=bytes([1, 0])),
        tensor("scalar", FLOAT, [], float_data=[3.25]),
        tensor("empty", FLOAT, [0, 3]),
        external("ext_f32", FLOAT, [3], "storage_forms.bin", offset=4, length=12),
        external("ext_nolen", FLOAT, [2], "storage_forms.bin", offset=32),
        external("ext_i64", TensorProto.INT64, [2], "storage_forms.bin", offset=64, length=16),
    ]
    save("storage_forms.onnx", passthrough_graph("storage_forms", initializers))


def bad_tensors():
    """Write one model per unsafe or malformed initializer, each of which must be rejected."""
    cases = {
        # "../onnx/storage_forms.bin" names an existing file in this very folder, so only
        # a check made before opening can reject it.
        "ext_traversal": external("W", FLOAT, [3], "../onnx/storage_forms.bin", 4, 12),
        "ext_absolute": external("W", FLOAT, [3], "/etc/hostname", 0, 12),
        "ext_symlink": external("W", FLOAT, [3], "link.bin", 4, 12),
        "ext_past_end": external("W", FLOAT, [3], "storage_forms.bin", 72, 12),
        "ext_length_mismatch": external("W", FLOAT, [3], "storage_forms.bin", 4, 8),
        "raw_length_mismatch": tensor("W", FLOAT, [3], raw_data=b"\0" * 8),
        "float_data_short": tensor("W", FLOAT, [2, 2], float_data=[1, 2, 3]),
        "negative_dim": tensor("W", FLOAT, [-1, 2], float_data=[1, 2]),
        "overflow_dims": tensor("W", FLOAT, [2**62, 2**62], raw_data=b"\0" * 4),
        "string_tensor": tensor("W", TensorProto.STRING, [1], string_data=[b"text"]),
        "bfloat16_tensor": tensor("W", TensorProto.BFLOAT16, [1], int32_data=[0x3F80]),
        "int8_out_of_range": tensor("W", TensorProto.INT8, [2], int32_data=[1, 300]),
    }
    for name, bad in cases.items():
        save(name + ".onnx", passthrough_graph(name, [bad]))


def graph_faults():
    x = value_info("x", FLOAT, [2])
    y = value_info("y", FLOAT, [2])
    node = helper.make_node

    save("duplicate_producers.onnx", helper.make_graph(
        [node("Relu", ["x"], ["h"], name="first"), node("Relu", ["x"], ["h"], name="second"),
         node("Relu", ["h"], ["y"], name="last")], "duplicate_producers", [x], [y]))
    save("initializer_output_clash.onnx", helper.make_graph(
        [node("Relu", ["x"], ["W"], name="make_w"), node("Add", ["x", "W"], ["y"], name="add")],
        "initializer_output_clash", [x], [y],
        initializer=[tensor("W", FLOAT, [2], float_data=[1, 2])]))
    # The unnamed node takes its first output's name, "h", in messages.
    save("undefined_input.onnx", helper.make_graph(
        [node("Add", ["x", "ghost"], ["h"]), node("Relu", ["h"], ["y"], name="r")],
        "undefined_input", [x], [y]))
    save("cycle.onnx", helper.make_graph(
        [node("Add", ["x", "b"], ["a"], name="add_a"), node("Relu", ["a"], ["b"], name="relu_b"),
         node("Identity", ["a"], ["y"], name="out")], "cycle", [x], [y]))
    save("opset_too_old.onnx", helper.make_graph(
        [node("Relu", ["x"], ["y"], name="r")], "opset_too_old", [x], [y]), opsets=[("", 6)])


def unsupported_ops():
    """Write a model with every kind of unsupported node and an empty optional input name."""
    x = value_info("x", FLOAT, [2])
    cond = value_info("cond", TensorProto.BOOL, [])
    branch = helper.make_graph([helper.make_node("Relu", ["x"], ["b_out"], name="b_relu")],
                               "branch", [], [value_info("b_out", FLOAT, [2])])
    loop_body = helper.make_graph([], "body", [], [])
    nodes = [
        helper.make_node("Frobnicate", ["x", ""], ["f"], name="frob0", domain="com.example"),
        helper.make_node("Frobnicate", ["f"], ["f2"], name="frob1", domain="com.example"),
        helper.make_node("Relu", ["f2"], ["r"], name="relu_ok"),
        helper.make_node("Loop", ["", "cond"], [], name="loop1", body=loop_body),
        helper.make_node("If", ["cond"], ["i"], name="if_dynamic", then_branch=branch,
                         else_branch=branch),
        # Unnamed, with no output: it is named Widget_5 after its position.
        helper.make_node("Widget", ["r"], [], domain="org.other"),
        helper.make_node("Add", ["r", "i"], ["y"], name="add"),
    ]
    save("unsupported_ops.onnx",
         helper.make_graph(nodes, "unsupported_ops", [x, cond], [value_info("y", FLOAT, [2])]),
         opsets=[("", OPSET), ("com.example", 1)])


def input_bindings():
    # A leading symbolic dimension is the batch; "seq" must be bound with --dim.
    save("unbound_dim.onnx", helper.make_graph(
        [], "unbound_dim", [value_info("x", FLOAT, ["N", "seq", 4])],
        [value_info("x", FLOAT, None)]))
    save("batch_inputs.onnx", helper.make_graph(
        [], "batch_inputs",
        [value_info("a", FLOAT, ["batch", 3]), value_info("b", FLOAT, [1, 5]),
         value_info("c", FLOAT, [4, 2])],
        [value_info("a", FLOAT, None)]))
    save("const_input.onnx", helper.make_graph(
        [], "const_input",
        [value_info("x", FLOAT, [1, 3]), value_info("shape", TensorProto.INT64, [2])],
        [value_info("x", FLOAT, None)]))
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [3, 1])
    with open(os.path.join(OUT_DIR, "const_shape.pb"), "wb") as f:
        f.write(shape.SerializeToString())
    wrong = helper.make_tensor("shape", TensorProto.INT32, [2], [3, 1])
    with open(os.path.join(OUT_DIR, "const_wrong_dtype.pb"), "wb") as f:
        f.write(wrong.SerializeToString())
    # IR version 3: the weight is both a graph input and an initializer.
    save("initializer_also_input.onnx", helper.make_graph(
        [], "initializer_also_input",
        [value_info("x", FLOAT, [2]), value_info("W", FLOAT, [2])],
        [value_info("x", FLOAT, None)],
        initializer=[tensor("W", FLOAT, [2], float_data=[0.5, -0.5])]),
        opsets=[("", 9)], ir_version=3)


def if_constant_node():
    """Write an If on a Constant false, so the else branch is taken and the then
    branch's op that aimcc cannot lower does not matter."""
    x = value_info("x", FLOAT, [2])
    then_branch = helper.make_graph(
        [helper.make_node("NonZero", ["x"], ["t_out"], name="t_nonzero")], "then_b", [],
        [value_info("t_out", TensorProto.INT64, None)])
    else_branch = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["e_out"], name="e_relu")], "else_b", [],
        [value_info("e_out", FLOAT, [2])])
    nodes = [
        helper.make_node("Constant", [], ["c"], name="cond",
                         value=helper.make_tensor("c", TensorProto.BOOL, [], [False])),
        helper.make_node("If", ["c"], ["y"], name="if0", then_branch=then_branch,
                         else_branch=else_branch),
    ]
    save("if_constant_node.onnx", helper.make_graph(
        nodes, "if_constant_node", [x], [value_info("y", FLOAT, [2])]))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    storage_forms()
    bad_tensors()
    graph_faults()
    unsupported_ops()
    input_bindings()
    if_constant_node()
    return 0


if __name__ == "__main__":
    sys.exit(main())
