/* SPDX-License-Identifier: MIT */
/*
 * Tests of the runtime's digital kernels (aimrt_op_infer, aimrt_op_run):
 * values worked by hand, and references from models/gen_kernel_refs.py
 * (numpy) in tests/data/kernels/kernel_refs.h.
 */
#include "test_support.h"

#include "aimrt/ops.h"
#include "data/kernels/kernel_refs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define N_DIMS(...) COUNT_OF(((const int64_t[]){__VA_ARGS__}))
#define TENSOR(dtype, data, ...)                                                                   \
    make_tensor(dtype, (void *)(data), N_DIMS(__VA_ARGS__), DIMS(__VA_ARGS__))
#define F32(data, ...) TENSOR(AIMRT_DTYPE_FLOAT, data, __VA_ARGS__)
#define INTS(key, ...) make_ints(key, DIMS(__VA_ARGS__), N_DIMS(__VA_ARGS__))

static aimrt_tensor make_tensor(aimrt_dtype dtype, void *data, int rank, const int64_t *dims)
{
    aimrt_tensor t = {.dtype = dtype, .rank = rank, .data = data};
    for (int i = 0; i < rank; i++)
        t.dims[i] = dims[i];
    return t;
}

static aimrt_tensor scalar_shape(aimrt_dtype dtype, void *data)
{
    return make_tensor(dtype, data, 0, NULL);
}

static aimrt_attr make_ints(aimrt_attr_key key, const int64_t *values, int n)
{
    return (aimrt_attr){.key = key, .kind = AIMRT_ATTR_INTS, .n = n, .ints = values};
}

static aimrt_attr make_float(aimrt_attr_key key, const float *value)
{
    return (aimrt_attr){.key = key, .kind = AIMRT_ATTR_FLOATS, .n = 1, .floats = value};
}

/* Result of one op call: the status, the inferred output view and the message. */
typedef struct op_result {
    aimrt_status status;
    aimrt_tensor out;
    char message[256];
} op_result;

/* Infers, then runs into out_data (capacity out_bytes) with malloc'd scratch. */
static op_result call_op(aimrt_op op, const aimrt_attr *attrs, int n_attrs, aimrt_tensor *inputs,
                         int n_inputs, void *out_data, size_t out_bytes)
{
    op_result r = {0};
    aimrt_op_call call = {.op = op,
                          .n_attrs = n_attrs,
                          .attrs = attrs,
                          .n_inputs = n_inputs,
                          .inputs = inputs,
                          .n_outputs = 1,
                          .outputs = &r.out,
                          .message = r.message,
                          .message_size = sizeof r.message};
    r.status = aimrt_op_infer(&call);
    if (r.status != AIMRT_OK)
        return r;

    int64_t count = 0;
    assert_true(aimrt_shape_count(r.out.rank, r.out.dims, 0, &count));
    assert_true((size_t)count * aimrt_dtype_size(r.out.dtype) <= out_bytes);
    r.out.data = out_data;
    const size_t scratch_size = aimrt_op_scratch_size(&call);
    void *scratch = scratch_size ? malloc(scratch_size) : NULL;
    r.status = aimrt_op_run(&call, scratch);
    free(scratch);
    return r;
}

/* Asserts the DESIGN float tolerance element by element, printing the first mismatch. */
static void assert_close(const float *actual, const float *expected, int n)
{
    float max_abs = 0.0f;
    for (int i = 0; i < n; i++)
        max_abs = fmaxf(max_abs, fabsf(expected[i]));
    for (int i = 0; i < n; i++) {
        const float tol = 1e-4f * fmaxf(1.0f, max_abs) + 1e-3f * fabsf(expected[i]);
        if (!(fabsf(actual[i] - expected[i]) <= tol)) {
            print_error("mismatch at %d of %d: actual %.9g expected %.9g\n", i, n, actual[i],
                        expected[i]);
            fail();
        }
    }
}

static void assert_dims(const aimrt_tensor *t, int rank, const int64_t *dims)
{
    assert_int_equal(t->rank, rank);
    for (int i = 0; i < rank; i++)
        assert_int_equal(t->dims[i], dims[i]);
}

/* Asserts a failed infer or run: the status and that the message names the op and detail. */
static void assert_failure(const op_result *r, aimrt_status status, const char *op_name,
                           const char *detail)
{
    assert_int_equal(r->status, status);
    assert_non_null(strstr(r->message, op_name));
    assert_non_null(strstr(r->message, detail));
}

/* ---- Element-wise ---- */

static void test_add_broadcast_float(void **state)
{
    (void)state;
    const float a[6] = {1, 2, 3, 4, 5, 6}; /* [2, 1, 3] */
    const float b[4] = {10, 20, 30, 40};   /* [4, 1] */
    aimrt_tensor in[2] = {F32(a, 2, 1, 3), F32(b, 4, 1)};
    float y[24];
    op_result r = call_op(AIMRT_OP_ADD, NULL, 0, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 3, DIMS(2, 4, 3));
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 3; k++)
                assert_true(y[(i * 4 + j) * 3 + k] == a[i * 3 + k] + b[j]);
}

static void test_div_integer_truncates(void **state)
{
    (void)state;
    const int32_t a[5] = {-7, 7, -7, 7, INT32_MIN};
    const int32_t b[5] = {2, -2, -2, 2, -1};
    const int32_t expected[5] = {-3, -3, 3, 3, INT32_MIN};
    aimrt_tensor in[2] = {TENSOR(AIMRT_DTYPE_INT32, a, 5), TENSOR(AIMRT_DTYPE_INT32, b, 5)};
    int32_t y[5];
    op_result r = call_op(AIMRT_OP_DIV, NULL, 0, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_memory_equal(y, expected, sizeof y);

    const int64_t c[2] = {5, 6}, zero[1] = {0};
    aimrt_tensor by_zero[2] = {TENSOR(AIMRT_DTYPE_INT64, c, 2), TENSOR(AIMRT_DTYPE_INT64, zero, 1)};
    int64_t z[2];
    r = call_op(AIMRT_OP_DIV, NULL, 0, by_zero, 2, z, sizeof z);
    assert_failure(&r, AIMRT_ERR_NUMERIC, "div", "division by zero");
}

static void test_int8_add_sub_wrap(void **state)
{
    (void)state;
    const int8_t a[3] = {100, -100, 5};
    const int8_t b[1] = {100};
    aimrt_tensor in[2] = {TENSOR(AIMRT_DTYPE_INT8, a, 3),
                          scalar_shape(AIMRT_DTYPE_INT8, (void *)b)};
    int8_t y[3];
    op_result r = call_op(AIMRT_OP_SUB, NULL, 0, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_int_equal(y[0], 0);
    assert_int_equal(y[1], 56); /* -200 wraps modulo 256 */
    assert_int_equal(y[2], -95);
}

static void test_prelu_slope_per_channel(void **state)
{
    (void)state;
    const float x[4] = {-1, 2, -3, 4};    /* [1, 2, 2] */
    const float slope[2] = {0.5f, 0.25f}; /* [2, 1] */
    const float expected[4] = {-0.5f, 2, -0.75f, 4};
    aimrt_tensor in[2] = {F32(x, 1, 2, 2), F32(slope, 2, 1)};
    float y[4];
    op_result r = call_op(AIMRT_OP_PRELU, NULL, 0, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, expected, 4);

    /* The slope may not grow x. */
    aimrt_tensor grow[2] = {F32(x, 2, 2), F32(x, 1, 2, 2)};
    r = call_op(AIMRT_OP_PRELU, NULL, 0, grow, 2, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "prelu", "shape of x");
}

static void run_unary(aimrt_op op, const aimrt_attr *attrs, int n_attrs, const float *expected)
{
    aimrt_tensor in[1] = {F32(unary_x, 8)};
    float y[8];
    op_result r = call_op(op, attrs, n_attrs, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, expected, 8);
}

static void test_unary_activations_numpy(void **state)
{
    (void)state;
    run_unary(AIMRT_OP_ERF, NULL, 0, unary_erf_y);
    run_unary(AIMRT_OP_SIGMOID, NULL, 0, unary_sigmoid_y);
    run_unary(AIMRT_OP_HARD_SWISH, NULL, 0, unary_hard_swish_y);
    run_unary(AIMRT_OP_HARD_SIGMOID, NULL, 0, unary_hard_sigmoid_y);
    run_unary(AIMRT_OP_SELU, NULL, 0, unary_selu_y);
    run_unary(AIMRT_OP_ELU, NULL, 0, unary_elu_y);
    run_unary(AIMRT_OP_LEAKY_RELU, NULL, 0, unary_leaky_relu_y);
    run_unary(AIMRT_OP_TANH, NULL, 0, unary_tanh_y);

    const float lo = -1.0f, hi = 2.0f;
    const aimrt_attr clip[2] = {make_float(AIMRT_ATTR_MIN, &lo), make_float(AIMRT_ATTR_MAX, &hi)};
    const float clipped[8] = {-1, -1, -0.25f, 0, 0.3f, 1, 2, 2};
    run_unary(AIMRT_OP_CLIP, clip, 2, clipped);
}

static void test_unary_double_relu(void **state)
{
    (void)state;
    const double x[3] = {-2.5, 0.0, 3.25};
    aimrt_tensor in[1] = {TENSOR(AIMRT_DTYPE_DOUBLE, x, 3)};
    double y[3];
    op_result r = call_op(AIMRT_OP_RELU, NULL, 0, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_true(y[0] == 0.0 && y[1] == 0.0 && y[2] == 3.25);
}

/* ---- Data movement ---- */

static void test_gather_negative_index(void **state)
{
    (void)state;
    const float x[6] = {0, 1, 10, 11, 20, 21}; /* [3, 2] */
    const int64_t rows[2] = {-1, 0};
    aimrt_tensor in[2] = {F32(x, 3, 2), TENSOR(AIMRT_DTYPE_INT64, rows, 2)};
    float y[6];
    op_result r = call_op(AIMRT_OP_GATHER, NULL, 0, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(2, 2));
    const float expected[4] = {20, 21, 0, 1};
    assert_memory_equal(y, expected, sizeof expected);

    /* Axis 1 with int32 indices of shape [1, 2]. */
    const int32_t cols[2] = {1, -2};
    const aimrt_attr axis[1] = {INTS(AIMRT_ATTR_AXIS, -1)};
    aimrt_tensor in_cols[2] = {F32(x, 3, 2), TENSOR(AIMRT_DTYPE_INT32, cols, 1, 2)};
    r = call_op(AIMRT_OP_GATHER, axis, 1, in_cols, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 3, DIMS(3, 1, 2));
    const float expected_cols[6] = {1, 0, 11, 10, 21, 20};
    assert_memory_equal(y, expected_cols, sizeof expected_cols);

    const int64_t bad[1] = {3};
    aimrt_tensor in_bad[2] = {F32(x, 3, 2), TENSOR(AIMRT_DTYPE_INT64, bad, 1)};
    r = call_op(AIMRT_OP_GATHER, NULL, 0, in_bad, 2, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "gather", "index 3");
}

static void test_slice_negative_step(void **state)
{
    (void)state;
    const float x[5] = {0, 1, 2, 3, 4};
    const aimrt_attr attrs[3] = {INTS(AIMRT_ATTR_STARTS, 4), INTS(AIMRT_ATTR_ENDS, -1),
                                 INTS(AIMRT_ATTR_STEPS, -2)};
    aimrt_tensor in[1] = {F32(x, 5)};
    float y[5];
    op_result r = call_op(AIMRT_OP_SLICE, attrs, 3, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 1, DIMS(3));
    const float expected[3] = {4, 2, 0};
    assert_memory_equal(y, expected, sizeof expected);

    /* 2-D: rows 2..1 backwards, columns 1 and 3; int16 elements. */
    int16_t m[12];
    for (int i = 0; i < 12; i++)
        m[i] = (int16_t)i;
    const aimrt_attr attrs2[3] = {INTS(AIMRT_ATTR_STARTS, 2, 1), INTS(AIMRT_ATTR_ENDS, 0, 4),
                                  INTS(AIMRT_ATTR_STEPS, -1, 2)};
    aimrt_tensor in2[1] = {TENSOR(AIMRT_DTYPE_INT16, m, 3, 4)};
    int16_t y2[4];
    r = call_op(AIMRT_OP_SLICE, attrs2, 3, in2, 1, y2, sizeof y2);
    assert_int_equal(r.status, AIMRT_OK);
    const int16_t expected2[4] = {9, 11, 5, 7};
    assert_memory_equal(y2, expected2, sizeof expected2);

    const aimrt_attr unclamped[3] = {INTS(AIMRT_ATTR_STARTS, 5), INTS(AIMRT_ATTR_ENDS, 0),
                                     INTS(AIMRT_ATTR_STEPS, -1)};
    r = call_op(AIMRT_OP_SLICE, unclamped, 3, in, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "slice", "start 5");
}

static void test_pad_reflect_edge_constant(void **state)
{
    (void)state;
    const float x[3] = {1, 2, 3};
    aimrt_tensor in[1] = {F32(x, 1, 3)};
    float y[16];
    const aimrt_attr reflect[2] = {INTS(AIMRT_ATTR_PADS, 0, 2, 0, 3), INTS(AIMRT_ATTR_MODE, 1)};
    op_result r = call_op(AIMRT_OP_PAD, reflect, 2, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(1, 8));
    const float expected_reflect[8] = {3, 2, 1, 2, 3, 2, 1, 2}; /* numpy.pad mode="reflect" */
    assert_memory_equal(y, expected_reflect, sizeof expected_reflect);

    const aimrt_attr edge[2] = {INTS(AIMRT_ATTR_PADS, 0, 1, 0, 1), INTS(AIMRT_ATTR_MODE, 2)};
    r = call_op(AIMRT_OP_PAD, edge, 2, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    const float expected_edge[5] = {1, 1, 2, 3, 3};
    assert_memory_equal(y, expected_edge, sizeof expected_edge);

    /* Constant 9 with a negative (cropping) begin pad on axis 1, uint8 elements. */
    const uint8_t m[6] = {1, 2, 3, 4, 5, 6};
    const float nine = 9.0f;
    const aimrt_attr crop[2] = {INTS(AIMRT_ATTR_PADS, 0, -1, 1, 1),
                                make_float(AIMRT_ATTR_VALUE, &nine)};
    aimrt_tensor in_m[1] = {TENSOR(AIMRT_DTYPE_UINT8, m, 2, 3)};
    uint8_t ym[9];
    r = call_op(AIMRT_OP_PAD, crop, 2, in_m, 1, ym, sizeof ym);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(3, 3));
    const uint8_t expected_crop[9] = {2, 3, 9, 5, 6, 9, 9, 9, 9};
    assert_memory_equal(ym, expected_crop, sizeof expected_crop);
}

static void test_reshape_copy_and_infer(void **state)
{
    (void)state;
    float x[24];
    for (int i = 0; i < 24; i++)
        x[i] = (float)i;
    aimrt_tensor in[1] = {F32(x, 2, 3, 4)};
    float y[24];
    const aimrt_attr shape[1] = {INTS(AIMRT_ATTR_SHAPE, 0, -1)};
    op_result r = call_op(AIMRT_OP_RESHAPE, shape, 1, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(2, 12));
    assert_memory_equal(y, x, sizeof x);

    const aimrt_attr bad[1] = {INTS(AIMRT_ATTR_SHAPE, 5, -1)};
    r = call_op(AIMRT_OP_RESHAPE, bad, 1, in, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "reshape", "24 elements of x");
}

static void test_transpose_and_concat(void **state)
{
    (void)state;
    const int64_t x[6] = {0, 1, 2, 3, 4, 5}; /* [2, 3] */
    aimrt_tensor in[1] = {TENSOR(AIMRT_DTYPE_INT64, x, 2, 3)};
    int64_t y[12];
    op_result r = call_op(AIMRT_OP_TRANSPOSE, NULL, 0, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(3, 2));
    const int64_t expected[6] = {0, 3, 1, 4, 2, 5};
    assert_memory_equal(y, expected, sizeof expected);

    const int64_t z[2] = {6, 7}; /* [2, 1] */
    const aimrt_attr axis[1] = {INTS(AIMRT_ATTR_AXIS, 1)};
    aimrt_tensor parts[2] = {TENSOR(AIMRT_DTYPE_INT64, x, 2, 3),
                             TENSOR(AIMRT_DTYPE_INT64, z, 2, 1)};
    r = call_op(AIMRT_OP_CONCAT, axis, 1, parts, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(2, 4));
    const int64_t expected_cat[8] = {0, 1, 2, 6, 3, 4, 5, 7};
    assert_memory_equal(y, expected_cat, sizeof expected_cat);
}

/* ---- Pooling ---- */

static void test_maxpool_ceil_drop_rule(void **state)
{
    (void)state;
    /* Input 5, kernel 2, stride 2, pads 1 and 1: ceil gives 4 windows, but the
     * fourth would start at 6, inside the end padding, so 3 remain. */
    const float x[5] = {1, 2, 3, 4, 5};
    aimrt_tensor in[1] = {F32(x, 1, 1, 5)};
    const aimrt_attr attrs[4] = {INTS(AIMRT_ATTR_KERNEL, 2), INTS(AIMRT_ATTR_STRIDES, 2),
                                 INTS(AIMRT_ATTR_PADS, 1, 1), INTS(AIMRT_ATTR_CEIL_MODE, 1)};
    float y[4];
    op_result r = call_op(AIMRT_OP_MAX_POOL, attrs, 4, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 3, DIMS(1, 1, 3));
    const float expected[3] = {1, 3, 5};
    assert_memory_equal(y, expected, sizeof expected);
}

static void test_avgpool_count_include_pad(void **state)
{
    (void)state;
    const float x[3] = {1, 2, 3};
    aimrt_tensor in[1] = {F32(x, 1, 1, 3)};
    float y[4];
    const aimrt_attr exclude[2] = {INTS(AIMRT_ATTR_KERNEL, 2), INTS(AIMRT_ATTR_PADS, 1, 1)};
    op_result r = call_op(AIMRT_OP_AVG_POOL, exclude, 2, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    const float expected_exclude[4] = {1, 1.5f, 2.5f, 3};
    assert_close(y, expected_exclude, 4);

    const aimrt_attr include[3] = {INTS(AIMRT_ATTR_KERNEL, 2), INTS(AIMRT_ATTR_PADS, 1, 1),
                                   INTS(AIMRT_ATTR_COUNT_INCLUDE_PAD, 1)};
    r = call_op(AIMRT_OP_AVG_POOL, include, 3, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    const float expected_include[4] = {0.5f, 1.5f, 2.5f, 1.5f};
    assert_close(y, expected_include, 4);
}

static void test_pool_2d_numpy(void **state)
{
    (void)state;
    aimrt_tensor in[1] = {F32(pool_x, 1, 2, 6, 7)};
    float y[32];
    const aimrt_attr max_attrs[4] = {INTS(AIMRT_ATTR_KERNEL, 3, 2), INTS(AIMRT_ATTR_STRIDES, 2, 2),
                                     INTS(AIMRT_ATTR_PADS, 1, 0, 1, 1),
                                     INTS(AIMRT_ATTR_CEIL_MODE, 1)};
    op_result r = call_op(AIMRT_OP_MAX_POOL, max_attrs, 4, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 4, DIMS(1, 2, 4, 4));
    assert_close(y, pool_max_y, COUNT_OF(pool_max_y));

    const aimrt_attr avg_attrs[4] = {INTS(AIMRT_ATTR_KERNEL, 3, 3), INTS(AIMRT_ATTR_STRIDES, 2, 2),
                                     INTS(AIMRT_ATTR_PADS, 1, 1, 1, 1),
                                     INTS(AIMRT_ATTR_CEIL_MODE, 1)};
    r = call_op(AIMRT_OP_AVG_POOL, avg_attrs, 4, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, pool_avg_y, COUNT_OF(pool_avg_y));

    aimrt_attr avg_pad[5] = {avg_attrs[0], avg_attrs[1], avg_attrs[2], avg_attrs[3],
                             INTS(AIMRT_ATTR_COUNT_INCLUDE_PAD, 1)};
    r = call_op(AIMRT_OP_AVG_POOL, avg_pad, 5, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, pool_avg_pad_y, COUNT_OF(pool_avg_pad_y));
}

/* ---- Convolution ---- */

static void test_conv_groups_dilation_pads(void **state)
{
    (void)state;
    aimrt_tensor in[3] = {F32(conv_group_x, 2, 4, 5, 6), F32(conv_group_w, 6, 2, 3, 3),
                          F32(conv_group_b, 6)};
    const aimrt_attr attrs[4] = {INTS(AIMRT_ATTR_STRIDES, 2, 1), INTS(AIMRT_ATTR_PADS, 1, 0, 2, 1),
                                 INTS(AIMRT_ATTR_DILATIONS, 1, 2), INTS(AIMRT_ATTR_GROUP, 2)};
    float y[COUNT_OF(conv_group_y)];
    op_result r = call_op(AIMRT_OP_CONV, attrs, 4, in, 3, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 4, DIMS(2, 6, 3, 3));
    assert_close(y, conv_group_y, COUNT_OF(conv_group_y));
}

static void test_conv_depthwise_and_1d(void **state)
{
    (void)state;
    aimrt_tensor in[2] = {F32(conv_depthwise_x, 1, 3, 7, 7), F32(conv_depthwise_w, 3, 1, 3, 3)};
    const aimrt_attr attrs[3] = {INTS(AIMRT_ATTR_PADS, 1, 1, 1, 1), INTS(AIMRT_ATTR_GROUP, 3),
                                 INTS(AIMRT_ATTR_KERNEL, 3, 3)};
    float y[COUNT_OF(conv_depthwise_y)];
    op_result r = call_op(AIMRT_OP_CONV, attrs, 3, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, conv_depthwise_y, COUNT_OF(conv_depthwise_y));

    aimrt_tensor in_1d[3] = {F32(conv_1d_x, 2, 3, 9), F32(conv_1d_w, 4, 3, 3), F32(conv_1d_b, 4)};
    const aimrt_attr attrs_1d[3] = {INTS(AIMRT_ATTR_STRIDES, 2), INTS(AIMRT_ATTR_PADS, 2, 1),
                                    INTS(AIMRT_ATTR_DILATIONS, 2)};
    float y1[COUNT_OF(conv_1d_y)];
    r = call_op(AIMRT_OP_CONV, attrs_1d, 3, in_1d, 3, y1, sizeof y1);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 3, DIMS(2, 4, 4));
    assert_close(y1, conv_1d_y, COUNT_OF(conv_1d_y));
}

static void test_conv_pointwise_matches_matmul(void **state)
{
    (void)state;
    /* A 1x1 conv reads x directly: y[m, p] = sum_c w[m, c] x[c, p] + b[m]. */
    const float x[6] = {1, 2, 3, 4, 5, 6}; /* [1, 2, 3, 1] */
    const float w[4] = {1, -1, 0.5f, 2};   /* [2, 2, 1, 1] */
    const float b[2] = {10, 20};
    aimrt_tensor in[3] = {F32(x, 1, 2, 3, 1), F32(w, 2, 2, 1, 1), F32(b, 2)};
    float y[6];
    op_result r = call_op(AIMRT_OP_CONV, NULL, 0, in, 3, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    const float expected[6] = {7, 7, 7, 28.5f, 31, 33.5f};
    assert_close(y, expected, 6);
}

/* Runs IM2COL per group and LINEAR with that group's weights, and compares
 * with Conv's output for the same group. */
static void test_im2col_linear_equals_conv(void **state)
{
    (void)state;
    enum { N = 2, M = 6, MG = 3, P = 9, K = 18 };
    for (int g = 0; g < 2; g++) {
        aimrt_tensor x[1] = {F32(conv_group_x, 2, 4, 5, 6)};
        const aimrt_attr attrs[5] = {INTS(AIMRT_ATTR_KERNEL, 3, 3), INTS(AIMRT_ATTR_STRIDES, 2, 1),
                                     INTS(AIMRT_ATTR_PADS, 1, 0, 2, 1),
                                     INTS(AIMRT_ATTR_DILATIONS, 1, 2),
                                     make_ints(AIMRT_ATTR_GROUP_INDEX, (const int64_t[]){g}, 1)};
        aimrt_attr with_group[6];
        memcpy(with_group, attrs, sizeof attrs);
        with_group[5] = INTS(AIMRT_ATTR_GROUP, 2);
        float patches[N * P * K];
        op_result r = call_op(AIMRT_OP_IM2COL, with_group, 6, x, 1, patches, sizeof patches);
        assert_int_equal(r.status, AIMRT_OK);
        assert_dims(&r.out, 3, DIMS(N, P, K));

        /* LINEAR takes w as [K, N]: the transpose of this group's conv weight rows. */
        float w[K * MG], b[MG];
        for (int m = 0; m < MG; m++) {
            b[m] = conv_group_b[g * MG + m];
            for (int k = 0; k < K; k++)
                w[k * MG + m] = conv_group_w[(g * MG + m) * K + k];
        }
        aimrt_tensor in[3] = {F32(patches, N, P, K), F32(w, K, MG), F32(b, MG)};
        float y[N * P * MG];
        r = call_op(AIMRT_OP_LINEAR, NULL, 0, in, 3, y, sizeof y);
        assert_int_equal(r.status, AIMRT_OK);
        assert_dims(&r.out, 3, DIMS(N, P, MG));

        float expected[N * P * MG];
        for (int n = 0; n < N; n++)
            for (int p = 0; p < P; p++)
                for (int m = 0; m < MG; m++)
                    expected[(n * P + p) * MG + m] = conv_group_y[(n * M + g * MG + m) * P + p];
        assert_close(y, expected, N * P * MG);
    }
}

/* ---- Products ---- */

static void test_gemm_all_attributes(void **state)
{
    (void)state;
    const float alpha = 0.5f, beta = 2.0f;
    const aimrt_attr attrs[4] = {INTS(AIMRT_ATTR_TRANS_A, 1), INTS(AIMRT_ATTR_TRANS_B, 1),
                                 make_float(AIMRT_ATTR_ALPHA, &alpha),
                                 make_float(AIMRT_ATTR_BETA, &beta)};
    aimrt_tensor in[3] = {F32(gemm_a, 4, 3), F32(gemm_b, 5, 4), F32(gemm_c, 1, 5)};
    float y[15];
    op_result r = call_op(AIMRT_OP_GEMM, attrs, 4, in, 3, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(3, 5));
    assert_close(y, gemm_y, 15);

    /* c of shape [3] does not broadcast to [3, 5]. */
    aimrt_tensor bad[3] = {F32(gemm_a, 4, 3), F32(gemm_b, 5, 4), F32(gemm_c, 3)};
    r = call_op(AIMRT_OP_GEMM, attrs, 4, bad, 3, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "gemm", "does not broadcast");
}

static void test_matmul_batch_broadcast(void **state)
{
    (void)state;
    aimrt_tensor in[2] = {F32(matmul_a, 2, 1, 3, 4), F32(matmul_b, 3, 4, 2)};
    float y[COUNT_OF(matmul_y)];
    op_result r = call_op(AIMRT_OP_MATMUL, NULL, 0, in, 2, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 4, DIMS(2, 3, 3, 2));
    assert_close(y, matmul_y, COUNT_OF(matmul_y));

    aimrt_tensor vec[2] = {F32(matmul_vec_a, 4), F32(matmul_vec_b, 2, 4, 3)};
    float yv[COUNT_OF(matmul_vec_y)];
    r = call_op(AIMRT_OP_MATMUL, NULL, 0, vec, 2, yv, sizeof yv);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(2, 3));
    assert_close(yv, matmul_vec_y, COUNT_OF(matmul_vec_y));

    /* [3, 4] x [3, 4] x [4, 2] with a shared b folds into one product. */
    float flat[COUNT_OF(matmul_y) / 2];
    aimrt_tensor shared[2] = {F32(matmul_a, 3, 4), F32(matmul_b, 4, 2)};
    r = call_op(AIMRT_OP_MATMUL, NULL, 0, shared, 2, flat, sizeof flat);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(flat, matmul_y, 6); /* batch (0, 0) of the broadcast case */
}

/* ---- Normalization and reductions ---- */

static void test_softmax_axis_numpy(void **state)
{
    (void)state;
    aimrt_tensor in[1] = {F32(norm_x, 2, 3, 4)};
    float y[24];
    const aimrt_attr axis1[1] = {INTS(AIMRT_ATTR_AXIS, 1)};
    op_result r = call_op(AIMRT_OP_SOFTMAX, axis1, 1, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, softmax_axis1_y, 24);

    const aimrt_attr last[1] = {INTS(AIMRT_ATTR_AXIS, -1)};
    r = call_op(AIMRT_OP_LOG_SOFTMAX, last, 1, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, log_softmax_y, 24);
}

static void test_reduce_keepdims_numpy(void **state)
{
    (void)state;
    aimrt_tensor in[1] = {F32(norm_x, 2, 3, 4)};
    float y[24];
    const aimrt_attr mean_attrs[1] = {INTS(AIMRT_ATTR_AXES, 0, -1)};
    op_result r = call_op(AIMRT_OP_REDUCE_MEAN, mean_attrs, 1, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 3, DIMS(1, 3, 1));
    assert_close(y, reduce_mean_y, 3);

    const aimrt_attr max_attrs[2] = {INTS(AIMRT_ATTR_AXES, 2), INTS(AIMRT_ATTR_KEEPDIMS, 0)};
    r = call_op(AIMRT_OP_REDUCE_MAX, max_attrs, 2, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_dims(&r.out, 2, DIMS(2, 3));
    assert_close(y, reduce_max_y, 6);

    const aimrt_attr all[1] = {INTS(AIMRT_ATTR_KEEPDIMS, 0)};
    r = call_op(AIMRT_OP_REDUCE_SUM, all, 1, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_int_equal(r.out.rank, 0);
    assert_close(y, reduce_sum_y, 1);

    const aimrt_attr twice[1] = {INTS(AIMRT_ATTR_AXES, 1, -2)};
    r = call_op(AIMRT_OP_REDUCE_SUM, twice, 1, in, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "reduce_sum", "axis 1 appears twice");
}

static void test_batch_norm_numpy(void **state)
{
    (void)state;
    aimrt_tensor in[5] = {F32(bn_x, 2, 3, 2, 2), F32(bn_scale, 3), F32(bn_bias, 3), F32(bn_mean, 3),
                          F32(bn_var, 3)};
    const float epsilon = 1e-3f;
    const aimrt_attr attrs[1] = {make_float(AIMRT_ATTR_EPSILON, &epsilon)};
    float y[24];
    op_result r = call_op(AIMRT_OP_BATCH_NORM, attrs, 1, in, 5, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_close(y, bn_y, 24);
}

/* ---- Quantization and casts ---- */

static void test_quantize_half_even_saturates(void **state)
{
    (void)state;
    const float x[8] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300, -300, 1};
    const float scale[1] = {1};
    const uint8_t zp[1] = {10};
    aimrt_tensor in[3] = {F32(x, 8), scalar_shape(AIMRT_DTYPE_FLOAT, (void *)scale),
                          scalar_shape(AIMRT_DTYPE_UINT8, (void *)zp)};
    uint8_t y[8];
    op_result r = call_op(AIMRT_OP_QUANTIZE_LINEAR, NULL, 0, in, 3, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    assert_int_equal(r.out.dtype, AIMRT_DTYPE_UINT8);
    const uint8_t expected[8] = {10, 12, 12, 10, 8, 255, 0, 11};
    assert_memory_equal(y, expected, sizeof expected);

    /* int8 zero point -1, scale 2: 3/2 = 1.5 -> 2, 5/2 = 2.5 -> 2, -5/2 -> -2, 1000/2 saturates. */
    const float xs[4] = {3, 5, -5, 1000};
    const float scale2[1] = {2};
    const int8_t zp2[1] = {-1};
    aimrt_tensor in2[3] = {F32(xs, 4), scalar_shape(AIMRT_DTYPE_FLOAT, (void *)scale2),
                           scalar_shape(AIMRT_DTYPE_INT8, (void *)zp2)};
    int8_t y2[4];
    r = call_op(AIMRT_OP_QUANTIZE_LINEAR, NULL, 0, in2, 3, y2, sizeof y2);
    assert_int_equal(r.status, AIMRT_OK);
    const int8_t expected2[4] = {1, 1, -3, 127};
    assert_memory_equal(y2, expected2, sizeof expected2);

    /* Without a zero point the output is uint8 with zero point 0. */
    aimrt_tensor in3[2] = {F32(xs, 4), scalar_shape(AIMRT_DTYPE_FLOAT, (void *)scale2)};
    uint8_t y3[4];
    r = call_op(AIMRT_OP_QUANTIZE_LINEAR, NULL, 0, in3, 2, y3, sizeof y3);
    assert_int_equal(r.status, AIMRT_OK);
    const uint8_t expected3[4] = {2, 2, 0, 255};
    assert_memory_equal(y3, expected3, sizeof expected3);
}

static void test_dequantize_per_axis(void **state)
{
    (void)state;
    const int8_t x[6] = {1, 2, 3, -4, 5, -6}; /* [2, 3] */
    const float scale[2] = {0.5f, 2};
    const int8_t zp[2] = {1, -1};
    const aimrt_attr axis[1] = {INTS(AIMRT_ATTR_AXIS, 0)};
    aimrt_tensor in[3] = {TENSOR(AIMRT_DTYPE_INT8, x, 2, 3), F32(scale, 2),
                          TENSOR(AIMRT_DTYPE_INT8, zp, 2)};
    float y[6];
    op_result r = call_op(AIMRT_OP_DEQUANTIZE_LINEAR, axis, 1, in, 3, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    const float expected[6] = {0, 0.5f, 1, -6, 12, -10};
    assert_close(y, expected, 6);

    /* The default axis 1 has 3 channels, not 2. */
    r = call_op(AIMRT_OP_DEQUANTIZE_LINEAR, NULL, 0, in, 3, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "dequantize_linear", "axis 1");
}

static void test_cast_to_int8_and_half(void **state)
{
    (void)state;
    const float x[6] = {1.9f, -1.9f, 0.0f, -0.5f, 100.7f, 0.1f};
    aimrt_tensor in[1] = {F32(x, 6)};
    int8_t y[6];
    const aimrt_attr to_int8[1] = {INTS(AIMRT_ATTR_TO, AIMRT_DTYPE_INT8)};
    op_result r = call_op(AIMRT_OP_CAST, to_int8, 1, in, 1, y, sizeof y);
    assert_int_equal(r.status, AIMRT_OK);
    const int8_t expected[6] = {1, -1, 0, 0, 100, 0};
    assert_memory_equal(y, expected, sizeof expected);

    uint8_t flags[6];
    const aimrt_attr to_bool[1] = {INTS(AIMRT_ATTR_TO, AIMRT_DTYPE_BOOL)};
    r = call_op(AIMRT_OP_CAST, to_bool, 1, in, 1, flags, sizeof flags);
    assert_int_equal(r.status, AIMRT_OK);
    const uint8_t expected_flags[6] = {1, 1, 0, 1, 1, 1};
    assert_memory_equal(flags, expected_flags, sizeof expected_flags);

    /* IEEE half bits: 1 = 0x3c00, -2 = 0xc000, 65504 = 0x7bff, 0.5 = 0x3800. */
    const float h[4] = {1.0f, -2.0f, 65504.0f, 0.5f};
    aimrt_tensor in_h[1] = {F32(h, 4)};
    uint16_t half[4];
    const aimrt_attr to_half[1] = {INTS(AIMRT_ATTR_TO, AIMRT_DTYPE_FLOAT16)};
    r = call_op(AIMRT_OP_CAST, to_half, 1, in_h, 1, half, sizeof half);
    assert_int_equal(r.status, AIMRT_OK);
    const uint16_t expected_half[4] = {0x3c00, 0xc000, 0x7bff, 0x3800};
    assert_memory_equal(half, expected_half, sizeof expected_half);

    aimrt_tensor back_in[1] = {TENSOR(AIMRT_DTYPE_FLOAT16, half, 4)};
    double back[4];
    const aimrt_attr to_double[1] = {INTS(AIMRT_ATTR_TO, AIMRT_DTYPE_DOUBLE)};
    r = call_op(AIMRT_OP_CAST, to_double, 1, back_in, 1, back, sizeof back);
    assert_int_equal(r.status, AIMRT_OK);
    for (int i = 0; i < 4; i++)
        assert_true(back[i] == h[i]);

    /* int64 to int32 keeps the low 32 bits, as a C conversion on two's complement does. */
    const int64_t big[2] = {((int64_t)1 << 32) + 5, -1};
    aimrt_tensor in_big[1] = {TENSOR(AIMRT_DTYPE_INT64, big, 2)};
    int32_t small[2];
    const aimrt_attr to_int32[1] = {INTS(AIMRT_ATTR_TO, AIMRT_DTYPE_INT32)};
    r = call_op(AIMRT_OP_CAST, to_int32, 1, in_big, 1, small, sizeof small);
    assert_int_equal(r.status, AIMRT_OK);
    assert_int_equal(small[0], 5);
    assert_int_equal(small[1], -1);
}

/* ---- Rejections ---- */

static void test_infer_rejects_bad_calls(void **state)
{
    (void)state;
    float x[24] = {0}, y[64];
    aimrt_tensor in[1] = {F32(x, 2, 3, 4)};

    const aimrt_attr perm[1] = {INTS(AIMRT_ATTR_PERM, 0, 0, 1)};
    op_result r = call_op(AIMRT_OP_TRANSPOSE, perm, 1, in, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "transpose", "not a permutation");

    const aimrt_attr axis[1] = {INTS(AIMRT_ATTR_AXIS, 3)};
    r = call_op(AIMRT_OP_SOFTMAX, axis, 1, in, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "softmax", "axis 3 is out of range for rank 3");

    aimrt_tensor mismatched[2] = {F32(x, 2, 3), F32(x, 4, 3)};
    r = call_op(AIMRT_OP_ADD, NULL, 0, mismatched, 2, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "add", "do not broadcast");

    const int32_t ints[6] = {0};
    aimrt_tensor mixed[2] = {F32(x, 2, 3), TENSOR(AIMRT_DTYPE_INT32, ints, 2, 3)};
    r = call_op(AIMRT_OP_MUL, NULL, 0, mixed, 2, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "mul", "dtypes f32 and i32");

    aimrt_tensor matmul_in[2] = {F32(x, 2, 3), F32(x, 4, 2)};
    r = call_op(AIMRT_OP_MATMUL, NULL, 0, matmul_in, 2, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "matmul", "3 columns but b has 4 rows");

    /* w claims 3 input channels per group but x has 2. */
    aimrt_tensor conv_in[2] = {F32(x, 1, 2, 3, 4), F32(x, 2, 3, 1, 1)};
    r = call_op(AIMRT_OP_CONV, NULL, 0, conv_in, 2, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "conv", "does not fit 2 channels");

    const aimrt_attr zero_stride[2] = {INTS(AIMRT_ATTR_KERNEL, 2), INTS(AIMRT_ATTR_STRIDES, 0)};
    aimrt_tensor pool_in[1] = {F32(x, 1, 2, 12)};
    r = call_op(AIMRT_OP_MAX_POOL, zero_stride, 2, pool_in, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "max_pool", "strides");

    r = call_op(AIMRT_OP_RELU, NULL, 0, in, 0, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "relu", "0 inputs");

    aimrt_tensor deep = F32(x, 1);
    deep.rank = AIMRT_MAX_RANK + 1;
    r = call_op(AIMRT_OP_IDENTITY, NULL, 0, &deep, 1, y, sizeof y);
    assert_failure(&r, AIMRT_ERR_INVALID_ARG, "identity", "rank 9");
}

static void test_run_rejects_wrong_output(void **state)
{
    (void)state;
    const float x[6] = {1, 2, 3, 4, 5, 6};
    aimrt_tensor in[1] = {F32(x, 2, 3)};
    float y[6];
    aimrt_tensor out = F32(y, 3, 2);
    char message[256] = "";
    aimrt_op_call call = {.op = AIMRT_OP_RELU,
                          .n_inputs = 1,
                          .inputs = in,
                          .n_outputs = 1,
                          .outputs = &out,
                          .message = message,
                          .message_size = sizeof message};
    assert_int_equal(aimrt_op_run(&call, NULL), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(message, "relu"));
    assert_non_null(strstr(message, "output"));

    out = F32(NULL, 2, 3);
    assert_int_equal(aimrt_op_run(&call, NULL), AIMRT_ERR_INVALID_ARG);
    assert_non_null(strstr(message, "no buffer"));

    /* A NULL message buffer is allowed. */
    call.message = NULL;
    call.message_size = 0;
    assert_int_equal(aimrt_op_run(&call, NULL), AIMRT_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_broadcast_float),
        cmocka_unit_test(test_div_integer_truncates),
        cmocka_unit_test(test_int8_add_sub_wrap),
        cmocka_unit_test(test_prelu_slope_per_channel),
        cmocka_unit_test(test_unary_activations_numpy),
        cmocka_unit_test(test_unary_double_relu),
        cmocka_unit_test(test_gather_negative_index),
        cmocka_unit_test(test_slice_negative_step),
        cmocka_unit_test(test_pad_reflect_edge_constant),
        cmocka_unit_test(test_reshape_copy_and_infer),
        cmocka_unit_test(test_transpose_and_concat),
        cmocka_unit_test(test_maxpool_ceil_drop_rule),
        cmocka_unit_test(test_avgpool_count_include_pad),
        cmocka_unit_test(test_pool_2d_numpy),
        cmocka_unit_test(test_conv_groups_dilation_pads),
        cmocka_unit_test(test_conv_depthwise_and_1d),
        cmocka_unit_test(test_conv_pointwise_matches_matmul),
        cmocka_unit_test(test_im2col_linear_equals_conv),
        cmocka_unit_test(test_gemm_all_attributes),
        cmocka_unit_test(test_matmul_batch_broadcast),
        cmocka_unit_test(test_softmax_axis_numpy),
        cmocka_unit_test(test_reduce_keepdims_numpy),
        cmocka_unit_test(test_batch_norm_numpy),
        cmocka_unit_test(test_quantize_half_even_saturates),
        cmocka_unit_test(test_dequantize_per_axis),
        cmocka_unit_test(test_cast_to_int8_and_half),
        cmocka_unit_test(test_infer_rejects_bad_calls),
        cmocka_unit_test(test_run_rejects_wrong_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
