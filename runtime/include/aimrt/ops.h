/* SPDX-License-Identifier: MIT */
/*
 * The digital operations of the runtime, their attributes, and the kernel
 * entry points. The compiler's IR uses the same operation codes, folds
 * constants with the same kernels and infers shapes with aimrt_op_infer, so
 * one definition of each operation serves compile time and run time.
 * Codes reach the program format: they are fixed and only appended.
 */
#ifndef AIMRT_OPS_H
#define AIMRT_OPS_H

#include "aimrt/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Operation codes. Inputs and attributes of each are listed beside it; an
 * attribute marked "opt" may be absent and then takes the default shown.
 * Shapes follow ONNX unless stated. "x" is the first input.
 */
typedef enum aimrt_op {
    AIMRT_OP_IDENTITY = 0,       /* x */
    /* Unary float ops: x. */
    AIMRT_OP_NEG = 1,
    AIMRT_OP_ABS = 2,
    AIMRT_OP_SQRT = 3,
    AIMRT_OP_EXP = 4,
    AIMRT_OP_LOG = 5,
    AIMRT_OP_ERF = 6,
    AIMRT_OP_RELU = 7,
    AIMRT_OP_LEAKY_RELU = 8,     /* alpha (opt 0.01) */
    AIMRT_OP_ELU = 9,            /* alpha (opt 1.0) */
    AIMRT_OP_SELU = 10,          /* alpha, gamma (ONNX defaults) */
    AIMRT_OP_SIGMOID = 11,
    AIMRT_OP_HARD_SIGMOID = 12,  /* alpha (opt 0.2), beta (opt 0.5) */
    AIMRT_OP_HARD_SWISH = 13,
    AIMRT_OP_TANH = 14,
    AIMRT_OP_CLIP = 15,          /* min (opt -inf), max (opt +inf): float attributes */
    /* Binary ops with numpy broadcasting: a, b. */
    AIMRT_OP_ADD = 16,
    AIMRT_OP_SUB = 17,
    AIMRT_OP_MUL = 18,
    AIMRT_OP_DIV = 19,           /* integer division truncates toward zero, as onnxruntime */
    AIMRT_OP_POW = 20,
    AIMRT_OP_MAX = 21,
    AIMRT_OP_MIN = 22,
    AIMRT_OP_PRELU = 23,         /* x, slope (slope broadcasts to x) */
    /* Normalization over one axis. */
    AIMRT_OP_SOFTMAX = 24,       /* x; axis (a single axis, negative counts from the end) */
    AIMRT_OP_LOG_SOFTMAX = 25,   /* x; axis */
    /* Pooling on [N, C, spatial...] with 1 or 2 spatial dims. */
    AIMRT_OP_MAX_POOL = 26,      /* x; kernel, strides, pads (begin..., end...), dilations, ceil_mode */
    AIMRT_OP_AVG_POOL = 27,      /* x; kernel, strides, pads, ceil_mode, count_include_pad */
    /* Reductions. */
    AIMRT_OP_REDUCE_MEAN = 28,   /* x; axes (opt: all), keepdims (opt 1) */
    AIMRT_OP_REDUCE_MAX = 29,
    AIMRT_OP_REDUCE_SUM = 30,
    /* Data movement. */
    AIMRT_OP_RESHAPE = 31,       /* x; shape (0 copies the input dim at that index, -1 infers) */
    AIMRT_OP_TRANSPOSE = 32,     /* x; perm */
    AIMRT_OP_CONCAT = 33,        /* x0, x1, ...; axis */
    AIMRT_OP_SLICE = 34,         /* x; starts, ends, steps: one each per input axis, already clamped */
    AIMRT_OP_GATHER = 35,        /* x, indices (int32 or int64); axis */
    AIMRT_OP_PAD = 36,           /* x; pads (begin..., end...) per axis, mode (0 constant,
                                  * 1 reflect, 2 edge), value (opt 0) */
    AIMRT_OP_CAST = 37,          /* x; to (an aimrt_dtype) */
    /* Quantization. */
    AIMRT_OP_QUANTIZE_LINEAR = 38,   /* x, scale, zero_point (opt); axis (opt 1) */
    AIMRT_OP_DEQUANTIZE_LINEAR = 39, /* x, scale, zero_point (opt); axis (opt 1) */
    /* Products run digitally with OpenBLAS. */
    AIMRT_OP_MATMUL = 40,        /* a, b with numpy matmul broadcasting */
    AIMRT_OP_GEMM = 41,          /* a, b, c (opt); alpha, beta, trans_a, trans_b */
    AIMRT_OP_CONV = 42,          /* x, w, bias (opt); kernel, strides, pads, dilations, group */
    AIMRT_OP_BATCH_NORM = 43,    /* x, scale, bias, mean, var; epsilon */
    /* Analog product on tiles: x [..., K], w [K, N] (rows = inputs), bias [N] (opt).
     * The program binds it to tile blocks; aimrt_op_run computes it in float.
     * Quantized form: x (f32), w (i32 integers), bias (f32, opt), w_scale (f32 [N]);
     * input_bits, input_signed, input_scale (opt). aimrt_op_run computes the
     * reference of docs/tile-lowering.md: xq per row, acc in int64,
     * y = (float)((double)acc * s_v * w_scale[n]) + bias[n]. */
    AIMRT_OP_LINEAR = 44,
    /* Patch extraction for a convolution run as LINEAR: x [N, C, spatial...] to
     * [N, P, Cg * prod(kernel)] for group "group_index" of "group" groups. */
    AIMRT_OP_IM2COL = 45,        /* x; kernel, strides, pads, dilations, group, group_index */
    AIMRT_OP_COUNT = 46,
} aimrt_op;

/* Returns the lower-case name of an op ("max_pool"), or NULL when out of range. */
const char *aimrt_op_name(aimrt_op op);

/* Parses an op name; returns AIMRT_OP_COUNT when unknown. */
aimrt_op aimrt_op_from_name(const char *name);

typedef enum aimrt_attr_key {
    AIMRT_ATTR_AXIS = 0,
    AIMRT_ATTR_AXES = 1,
    AIMRT_ATTR_KEEPDIMS = 2,
    AIMRT_ATTR_PERM = 3,
    AIMRT_ATTR_SHAPE = 4,
    AIMRT_ATTR_KERNEL = 5,
    AIMRT_ATTR_STRIDES = 6,
    AIMRT_ATTR_PADS = 7,
    AIMRT_ATTR_DILATIONS = 8,
    AIMRT_ATTR_GROUP = 9,
    AIMRT_ATTR_GROUP_INDEX = 10,
    AIMRT_ATTR_CEIL_MODE = 11,
    AIMRT_ATTR_COUNT_INCLUDE_PAD = 12,
    AIMRT_ATTR_ALPHA = 13,
    AIMRT_ATTR_BETA = 14,
    AIMRT_ATTR_GAMMA = 15,
    AIMRT_ATTR_MIN = 16,
    AIMRT_ATTR_MAX = 17,
    AIMRT_ATTR_EPSILON = 18,
    AIMRT_ATTR_TO = 19,
    AIMRT_ATTR_STARTS = 20,
    AIMRT_ATTR_ENDS = 21,
    AIMRT_ATTR_STEPS = 22,
    AIMRT_ATTR_MODE = 23,
    AIMRT_ATTR_VALUE = 24,
    AIMRT_ATTR_TRANS_A = 25,
    AIMRT_ATTR_TRANS_B = 26,
    /* A quantized LINEAR's input quantization (docs/tile-lowering.md "Quantize"). */
    AIMRT_ATTR_INPUT_BITS = 27,   /* b, 1..16: DAC bits, the sign bit included when signed */
    AIMRT_ATTR_INPUT_SIGNED = 28, /* 1 (opt): xq in [-Qx, Qx]; 0: xq in [0, Qx] */
    AIMRT_ATTR_INPUT_SCALE = 29,  /* float LSB of a static input range; absent = per-vector range */
    AIMRT_ATTR_KEY_COUNT = 30,
} aimrt_attr_key;

typedef enum aimrt_attr_kind {
    AIMRT_ATTR_INTS = 0,
    AIMRT_ATTR_FLOATS = 1,
} aimrt_attr_kind;

/* One attribute: a list of int64 or float values. A scalar is a list of one. */
typedef struct aimrt_attr {
    aimrt_attr_key key;
    aimrt_attr_kind kind;
    int32_t n;
    const int64_t *ints;  /* kind == AIMRT_ATTR_INTS */
    const float *floats;  /* kind == AIMRT_ATTR_FLOATS */
} aimrt_attr;

/* Returns the lower-case name of an attribute key ("count_include_pad"). */
const char *aimrt_attr_key_name(aimrt_attr_key key);

/* Parses an attribute key name; returns AIMRT_ATTR_KEY_COUNT when unknown. */
aimrt_attr_key aimrt_attr_key_from_name(const char *name);

/* Returns the attribute with this key, or NULL. */
const aimrt_attr *aimrt_attr_find(const aimrt_attr *attrs, int n_attrs, aimrt_attr_key key);

/* Returns the key's first int, or fallback when the key is absent or empty. */
int64_t aimrt_attr_int(const aimrt_attr *attrs, int n_attrs, aimrt_attr_key key, int64_t fallback);

/* Returns the key's first float, or fallback when the key is absent or empty. */
float aimrt_attr_float(const aimrt_attr *attrs, int n_attrs, aimrt_attr_key key, float fallback);

/* One call of an op: its inputs, outputs and attributes. Absent optional
 * inputs have data == NULL and dtype AIMRT_DTYPE_UNDEFINED. */
typedef struct aimrt_op_call {
    aimrt_op op;
    int n_attrs;
    const aimrt_attr *attrs;
    int n_inputs;
    const aimrt_tensor *inputs;
    int n_outputs;
    aimrt_tensor *outputs;
    char *message;        /* optional buffer for a one-line reason on failure */
    size_t message_size;
} aimrt_op_call;

/*
 * Infers the dtype and shape of every output from the inputs' dtypes and
 * shapes and the attributes (data pointers are not read, except the indices
 * of no op). Checks arity, dtypes, ranks, axes and attribute values, so the
 * runtime calls it on untrusted programs before running anything.
 * Returns AIMRT_OK, AIMRT_ERR_INVALID_ARG for an inconsistent call, or
 * AIMRT_ERR_UNSUPPORTED for a dtype or attribute value the kernel lacks;
 * on failure writes a one-line reason to call->message.
 */
aimrt_status aimrt_op_infer(aimrt_op_call *call);

/* Returns the scratch bytes aimrt_op_run needs for this call (0 for most ops). */
size_t aimrt_op_scratch_size(const aimrt_op_call *call);

/*
 * Runs the op. Outputs must already carry the shapes that aimrt_op_infer
 * gives and point at buffers of that size; scratch must hold
 * aimrt_op_scratch_size bytes. Never allocates. Returns AIMRT_OK, or an error
 * with a reason in call->message when the shapes do not match.
 */
aimrt_status aimrt_op_run(aimrt_op_call *call, void *scratch);

#ifdef __cplusplus
}
#endif

#endif
