/* SPDX-License-Identifier: MIT */
/*
 * Element-wise kernels: the unary activations (ONNX formulas, computed in
 * double and rounded to the tensor's dtype) and the binary ops with numpy
 * broadcasting, including PRelu whose slope broadcasts to x.
 */
#include "kernels/kernels.h"

#include <math.h>
#include <string.h>

/* ONNX Selu defaults for alpha and gamma, as float32 values. */
#define SELU_ALPHA 1.67326319217681884765625
#define SELU_GAMMA 1.05070102214813232421875

typedef struct unary_params {
    aimrt_op op;
    double alpha;
    double beta;
    double gamma;
    double lo;
    double hi;
} unary_params;

static double clamp_unit(double x)
{
    return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

static double apply_unary(const unary_params *p, double x)
{
    switch (p->op) {
    case AIMRT_OP_NEG:
        return -x;
    case AIMRT_OP_ABS:
        return fabs(x);
    case AIMRT_OP_SQRT:
        return sqrt(x);
    case AIMRT_OP_EXP:
        return exp(x);
    case AIMRT_OP_LOG:
        return log(x);
    case AIMRT_OP_ERF:
        return erf(x);
    case AIMRT_OP_RELU:
        return x < 0.0 ? 0.0 : x;
    case AIMRT_OP_LEAKY_RELU:
        return x < 0.0 ? p->alpha * x : x;
    case AIMRT_OP_ELU:
        return x < 0.0 ? p->alpha * (exp(x) - 1.0) : x;
    case AIMRT_OP_SELU:
        return x > 0.0 ? p->gamma * x : p->gamma * (p->alpha * exp(x) - p->alpha);
    case AIMRT_OP_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case AIMRT_OP_HARD_SIGMOID:
        return clamp_unit(p->alpha * x + p->beta);
    case AIMRT_OP_HARD_SWISH:
        return x * clamp_unit(x / 6.0 + 0.5);
    case AIMRT_OP_TANH:
        return tanh(x);
    case AIMRT_OP_CLIP:
        return x < p->lo ? p->lo : (x > p->hi ? p->hi : x);
    default:
        return x;
    }
}

static unary_params read_unary_params(const aimrt_op_call *call)
{
    const aimrt_attr *a = call->attrs;
    const int n = call->n_attrs;
    unary_params p = {.op = call->op};
    switch (call->op) {
    case AIMRT_OP_LEAKY_RELU:
        p.alpha = aimrt_attr_float(a, n, AIMRT_ATTR_ALPHA, 0.01f);
        break;
    case AIMRT_OP_ELU:
        p.alpha = aimrt_attr_float(a, n, AIMRT_ATTR_ALPHA, 1.0f);
        break;
    case AIMRT_OP_SELU:
        p.alpha = aimrt_attr_float(a, n, AIMRT_ATTR_ALPHA, (float)SELU_ALPHA);
        p.gamma = aimrt_attr_float(a, n, AIMRT_ATTR_GAMMA, (float)SELU_GAMMA);
        break;
    case AIMRT_OP_HARD_SIGMOID:
        p.alpha = aimrt_attr_float(a, n, AIMRT_ATTR_ALPHA, 0.2f);
        p.beta = aimrt_attr_float(a, n, AIMRT_ATTR_BETA, 0.5f);
        break;
    case AIMRT_OP_CLIP:
        p.lo = aimrt_attr_float(a, n, AIMRT_ATTR_MIN, -INFINITY);
        p.hi = aimrt_attr_float(a, n, AIMRT_ATTR_MAX, INFINITY);
        break;
    default:
        break;
    }
    return p;
}

aimrt_status aimrt_kernel_identity_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    return aimrt_kernel_set_output(call, x->dtype, x->rank, x->dims);
}

/* Copies x to y byte for byte; serves Identity and Reshape. */
aimrt_status aimrt_kernel_identity_run(aimrt_op_call *call)
{
    const aimrt_tensor *x = &call->inputs[0];
    const size_t bytes = (size_t)aimrt_kernel_count(x) * aimrt_dtype_size(x->dtype);
    if (bytes > 0 && call->outputs[0].data != x->data)
        memmove(call->outputs[0].data, x->data, bytes);
    return AIMRT_OK;
}

aimrt_status aimrt_kernel_unary_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 1, 1);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, x->dtype, x->rank, x->dims);
}

aimrt_status aimrt_kernel_unary_run(aimrt_op_call *call)
{
    const unary_params p = read_unary_params(call);
    const aimrt_tensor *x = &call->inputs[0];
    const int64_t n = aimrt_kernel_count(x);
    if (x->dtype == AIMRT_DTYPE_FLOAT) {
        const float *in = x->data;
        float *out = call->outputs[0].data;
        for (int64_t i = 0; i < n; i++)
            out[i] = (float)apply_unary(&p, in[i]);
    } else {
        const double *in = x->data;
        double *out = call->outputs[0].data;
        for (int64_t i = 0; i < n; i++)
            out[i] = apply_unary(&p, in[i]);
    }
    return AIMRT_OK;
}

/* ---- Binary ops ---- */

static bool binary_takes_dtype(aimrt_op op, aimrt_dtype dtype)
{
    if (aimrt_kernel_is_float(dtype))
        return true;
    if (op == AIMRT_OP_POW || op == AIMRT_OP_PRELU)
        return false;
    return dtype == AIMRT_DTYPE_INT8 || dtype == AIMRT_DTYPE_UINT8 || dtype == AIMRT_DTYPE_INT16 ||
           dtype == AIMRT_DTYPE_INT32 || dtype == AIMRT_DTYPE_INT64;
}

/* Computes the numpy broadcast shape of a and b into dims; returns false when
 * two dims differ and neither is 1. */
static bool broadcast_shape(const aimrt_tensor *a, const aimrt_tensor *b, int *rank, int64_t *dims)
{
    *rank = a->rank > b->rank ? a->rank : b->rank;
    for (int i = 0; i < *rank; i++) {
        const int ia = i - (*rank - a->rank);
        const int ib = i - (*rank - b->rank);
        const int64_t da = ia >= 0 ? a->dims[ia] : 1;
        const int64_t db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return false;
        dims[i] = da == 1 ? db : da;
    }
    return true;
}

aimrt_status aimrt_kernel_binary_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 2);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *a = &call->inputs[0];
    const aimrt_tensor *b = &call->inputs[1];
    if (!binary_takes_dtype(call->op, a->dtype))
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED, "does not take dtype %s",
                                 aimrt_dtype_name(a->dtype));
    if (a->dtype != b->dtype)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "inputs have dtypes %s and %s",
                                 aimrt_dtype_name(a->dtype), aimrt_dtype_name(b->dtype));

    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    const bool ok = broadcast_shape(a, b, &rank, dims);
    bool same_as_a = rank == a->rank;
    for (int i = 0; ok && same_as_a && i < rank; i++)
        same_as_a = dims[i] == a->dims[i];
    if (!ok || (call->op == AIMRT_OP_PRELU && !same_as_a))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "input shapes of rank %d and %d do not broadcast%s", a->rank,
                                 b->rank, call->op == AIMRT_OP_PRELU ? " to the shape of x" : "");
    return aimrt_kernel_set_output(call, a->dtype, rank, dims);
}

/* One row of a float binary op; a and b advance by sa and sb (0 or 1). The
 * default case is PRelu, with a = x and b = slope. */
#define DEFINE_FLOAT_ROW(NAME, T)                                                                  \
    static int NAME(aimrt_op op, T *y, const T *a, int64_t sa, const T *b, int64_t sb, int64_t n)  \
    {                                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T u = a[i * sa], v = b[i * sb];                                                  \
            switch (op) {                                                                          \
            case AIMRT_OP_ADD:                                                                     \
                y[i] = u + v;                                                                      \
                break;                                                                             \
            case AIMRT_OP_SUB:                                                                     \
                y[i] = u - v;                                                                      \
                break;                                                                             \
            case AIMRT_OP_MUL:                                                                     \
                y[i] = u * v;                                                                      \
                break;                                                                             \
            case AIMRT_OP_DIV:                                                                     \
                y[i] = u / v;                                                                      \
                break;                                                                             \
            case AIMRT_OP_POW:                                                                     \
                y[i] = (T)pow(u, v);                                                               \
                break;                                                                             \
            case AIMRT_OP_MAX:                                                                     \
                y[i] = (u != u || u > v) ? u : v;                                                  \
                break;                                                                             \
            case AIMRT_OP_MIN:                                                                     \
                y[i] = (u != u || u < v) ? u : v;                                                  \
                break;                                                                             \
            default:                                                                               \
                y[i] = u < 0 ? v * u : u;                                                          \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
        return 0;                                                                                  \
    }

/* One row of an integer binary op. Arithmetic runs in the unsigned type UT so
 * overflow wraps instead of being undefined; returns -1 on division by zero. */
#define DEFINE_INT_ROW(NAME, T, UT)                                                                \
    static int NAME(aimrt_op op, T *y, const T *a, int64_t sa, const T *b, int64_t sb, int64_t n)  \
    {                                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T u = a[i * sa], v = b[i * sb];                                                  \
            switch (op) {                                                                          \
            case AIMRT_OP_ADD:                                                                     \
                y[i] = (T)((UT)u + (UT)v);                                                         \
                break;                                                                             \
            case AIMRT_OP_SUB:                                                                     \
                y[i] = (T)((UT)u - (UT)v);                                                         \
                break;                                                                             \
            case AIMRT_OP_MUL:                                                                     \
                y[i] = (T)((UT)u * (UT)v);                                                         \
                break;                                                                             \
            case AIMRT_OP_MAX:                                                                     \
                y[i] = u > v ? u : v;                                                              \
                break;                                                                             \
            case AIMRT_OP_MIN:                                                                     \
                y[i] = u < v ? u : v;                                                              \
                break;                                                                             \
            default:                                                                               \
                if (v == 0)                                                                        \
                    return -1;                                                                     \
                y[i] = ((T)-1 < 0 && v == (T)-1) ? (T)((UT)0 - (UT)u) : (T)(u / v);                \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
        return 0;                                                                                  \
    }

DEFINE_FLOAT_ROW(row_f32, float)
DEFINE_FLOAT_ROW(row_f64, double)
DEFINE_INT_ROW(row_i8, int8_t, uint32_t)
DEFINE_INT_ROW(row_u8, uint8_t, uint32_t)
DEFINE_INT_ROW(row_i16, int16_t, uint32_t)
DEFINE_INT_ROW(row_i32, int32_t, uint32_t)
DEFINE_INT_ROW(row_i64, int64_t, uint64_t)

static int run_row(aimrt_op op, aimrt_dtype dtype, char *y, const char *a, int64_t sa,
                   const char *b, int64_t sb, int64_t n)
{
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT:
        return row_f32(op, (float *)y, (const float *)a, sa, (const float *)b, sb, n);
    case AIMRT_DTYPE_DOUBLE:
        return row_f64(op, (double *)y, (const double *)a, sa, (const double *)b, sb, n);
    case AIMRT_DTYPE_INT8:
        return row_i8(op, (int8_t *)y, (const int8_t *)a, sa, (const int8_t *)b, sb, n);
    case AIMRT_DTYPE_UINT8:
        return row_u8(op, (uint8_t *)y, (const uint8_t *)a, sa, (const uint8_t *)b, sb, n);
    case AIMRT_DTYPE_INT16:
        return row_i16(op, (int16_t *)y, (const int16_t *)a, sa, (const int16_t *)b, sb, n);
    case AIMRT_DTYPE_INT32:
        return row_i32(op, (int32_t *)y, (const int32_t *)a, sa, (const int32_t *)b, sb, n);
    default:
        return row_i64(op, (int64_t *)y, (const int64_t *)a, sa, (const int64_t *)b, sb, n);
    }
}

/* Fills the element strides of t over an output of rank `rank`, 0 on broadcast dims. */
static void broadcast_strides(const aimrt_tensor *t, int rank, const int64_t *dims,
                              int64_t *strides)
{
    int64_t stride = 1;
    for (int i = rank - 1; i >= 0; i--) {
        const int it = i - (rank - t->rank);
        const int64_t d = it >= 0 ? t->dims[it] : 1;
        strides[i] = (d == 1 && dims[i] != 1) ? 0 : stride;
        stride *= d;
    }
}

aimrt_status aimrt_kernel_binary_run(aimrt_op_call *call)
{
    const aimrt_tensor *a = &call->inputs[0];
    const aimrt_tensor *b = &call->inputs[1];
    aimrt_tensor *y = &call->outputs[0];
    const size_t esize = aimrt_dtype_size(y->dtype);

    /* A rank-0 output runs as one row of one element. */
    const int rank = y->rank > 0 ? y->rank : 1;
    int64_t dims[AIMRT_MAX_RANK] = {1}, sa[AIMRT_MAX_RANK], sb[AIMRT_MAX_RANK];
    for (int i = 0; i < y->rank; i++)
        dims[i] = y->dims[i];
    broadcast_strides(a, rank, dims, sa);
    broadcast_strides(b, rank, dims, sb);

    const int64_t n_rows = dims[rank - 1] > 0 ? aimrt_kernel_count(y) / dims[rank - 1] : 0;
    int64_t index[AIMRT_MAX_RANK] = {0};
    int64_t off_a = 0, off_b = 0;
    char *out = y->data;
    for (int64_t row = 0; row < n_rows; row++) {
        if (run_row(call->op, y->dtype, out, (const char *)a->data + off_a * (int64_t)esize,
                    sa[rank - 1], (const char *)b->data + off_b * (int64_t)esize, sb[rank - 1],
                    dims[rank - 1]) != 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_NUMERIC, "integer division by zero");
        out += dims[rank - 1] * (int64_t)esize;

        /* Advance the multi-index over all dims but the last. */
        for (int i = rank - 2; i >= 0; i--) {
            off_a += sa[i];
            off_b += sb[i];
            if (++index[i] < dims[i])
                break;
            off_a -= sa[i] * dims[i];
            off_b -= sb[i] * dims[i];
            index[i] = 0;
        }
    }
    return AIMRT_OK;
}
