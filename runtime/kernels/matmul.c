/* SPDX-License-Identifier: MIT */
/*
 * Matrix products run digitally with OpenBLAS: MatMul (numpy matmul
 * semantics: 1-D operands and broadcast batch dims), Gemm (ONNX attributes,
 * c broadcast to [M, N]) and Linear (x [..., K] times w [K, N] plus bias, the
 * float meaning of the analog product). A quantized Linear (integer w and
 * per-column scales) computes the integer reference of docs/tile-lowering.md.
 */
#include "kernels/kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Scales y[m x n] (row stride ldy) by beta, writing zeros when beta is 0. */
static void scale_rows(aimrt_dtype dtype, int64_t m, int64_t n, double beta, void *y, int64_t ldy)
{
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            if (dtype == AIMRT_DTYPE_FLOAT) {
                float *v = (float *)y + i * ldy + j;
                *v = beta == 0.0 ? 0.0f : (float)(beta * *v);
            } else {
                double *v = (double *)y + i * ldy + j;
                *v = beta == 0.0 ? 0.0 : beta * *v;
            }
        }
    }
}

/* y[m x n] = alpha * op(a) * op(b) + beta * y, row-major, in the dtype given. */
static void gemm(aimrt_dtype dtype, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                 double alpha, const void *a, int64_t lda, const void *b, int64_t ldb, double beta,
                 void *y, int64_t ldy)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        /* BLAS rejects a leading dimension of 0, and the product is zero. */
        scale_rows(dtype, m, n, beta, y, ldy);
        return;
    }
    const enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    const enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
    if (dtype == AIMRT_DTYPE_FLOAT)
        cblas_sgemm(CblasRowMajor, ta, tb, (blasint)m, (blasint)n, (blasint)k, (float)alpha, a,
                    (blasint)lda, b, (blasint)ldb, (float)beta, y, (blasint)ldy);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, (blasint)m, (blasint)n, (blasint)k, alpha, a,
                    (blasint)lda, b, (blasint)ldb, beta, y, (blasint)ldy);
}

void aimrt_kernel_gemm(aimrt_dtype dtype, int64_t m, int64_t n, int64_t k, const void *a,
                       const void *b, void *y)
{
    gemm(dtype, false, false, m, n, k, 1.0, a, k, b, n, 1.0, y, n);
}

/* OpenBLAS takes blasint (32-bit in Debian's build) dims. */
static aimrt_status check_blas_dims(aimrt_op_call *call, int64_t m, int64_t n, int64_t k)
{
    if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "matrix dims %lld x %lld x %lld exceed the BLAS limit %d",
                                 (long long)m, (long long)n, (long long)k, INT32_MAX);
    return AIMRT_OK;
}

/* ---- MatMul ---- */

typedef struct matmul_plan {
    int64_t m, n, k;
    int batch_rank;
    int64_t batch[AIMRT_MAX_RANK];
    int64_t a_strides[AIMRT_MAX_RANK]; /* batch strides in matrices, 0 on broadcast dims */
    int64_t b_strides[AIMRT_MAX_RANK];
} matmul_plan;

/* Fills the batch strides (in matrices) of an operand with batch dims
 * dims[0..rank) against the broadcast batch shape. */
static void batch_strides(const int64_t *dims, int rank, const matmul_plan *p, int64_t *strides)
{
    int64_t stride = 1;
    for (int i = p->batch_rank - 1; i >= 0; i--) {
        const int j = i - (p->batch_rank - rank);
        const int64_t d = j >= 0 ? dims[j] : 1;
        strides[i] = d == 1 ? 0 : stride;
        stride *= d;
    }
}

static aimrt_status plan_matmul(aimrt_op_call *call, matmul_plan *p, int *rank, int64_t *dims)
{
    const aimrt_tensor *a = &call->inputs[0], *b = &call->inputs[1];
    if (a->rank < 1 || b->rank < 1)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "operands must have rank >= 1");
    p->m = a->rank == 1 ? 1 : a->dims[a->rank - 2];
    p->k = a->dims[a->rank - 1];
    p->n = b->rank == 1 ? 1 : b->dims[b->rank - 1];
    const int64_t kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
    if (kb != p->k)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "a has %lld columns but b has %lld rows", (long long)p->k,
                                 (long long)kb);

    /* Broadcast the batch dims: all but the last two of each operand. */
    const int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0;
    p->batch_rank = ra > rb ? ra : rb;
    for (int i = 0; i < p->batch_rank; i++) {
        const int ia = i - (p->batch_rank - ra), ib = i - (p->batch_rank - rb);
        const int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                     "batch dims %lld and %lld do not broadcast", (long long)da,
                                     (long long)db);
        p->batch[i] = da == 1 ? db : da;
    }
    batch_strides(a->dims, ra, p, p->a_strides);
    batch_strides(b->dims, rb, p, p->b_strides);

    *rank = p->batch_rank;
    memcpy(dims, p->batch, sizeof(int64_t) * (size_t)p->batch_rank);
    if (a->rank > 1)
        dims[(*rank)++] = p->m;
    if (b->rank > 1)
        dims[(*rank)++] = p->n;
    return check_blas_dims(call, p->m, p->n, p->k);
}

aimrt_status aimrt_kernel_matmul_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 2);
    if (status == AIMRT_OK)
        status = aimrt_kernel_check_float(call, &call->inputs[0], "a", NULL);
    if (status == AIMRT_OK)
        status = aimrt_kernel_check_float(call, &call->inputs[1], "b", &call->inputs[0]);
    if (status != AIMRT_OK)
        return status;
    matmul_plan p;
    int rank;
    int64_t dims[AIMRT_MAX_RANK + 2];
    status = plan_matmul(call, &p, &rank, dims);
    if (status != AIMRT_OK)
        return status;
    return aimrt_kernel_set_output(call, call->inputs[0].dtype, rank, dims);
}

aimrt_status aimrt_kernel_matmul_run(aimrt_op_call *call)
{
    const aimrt_tensor *a = &call->inputs[0], *b = &call->inputs[1];
    aimrt_tensor *y = &call->outputs[0];
    matmul_plan p;
    int rank;
    int64_t dims[AIMRT_MAX_RANK + 2];
    aimrt_status status = plan_matmul(call, &p, &rank, dims);
    if (status != AIMRT_OK)
        return status;

    const int64_t esize = (int64_t)aimrt_dtype_size(y->dtype);
    int64_t n_batch = 1;
    for (int i = 0; i < p.batch_rank; i++)
        n_batch *= p.batch[i];

    /* b shared by every batch with a contiguous a: one product of n_batch * m rows. */
    bool b_shared = true;
    for (int i = 0; i < p.batch_rank; i++)
        b_shared = b_shared && p.b_strides[i] == 0 && (p.a_strides[i] != 0 || p.batch[i] == 1);
    if (b_shared && n_batch * p.m <= INT32_MAX) {
        gemm(y->dtype, false, false, n_batch * p.m, p.n, p.k, 1.0, a->data, p.k, b->data, p.n, 0.0,
             y->data, p.n);
        return AIMRT_OK;
    }

    int64_t index[AIMRT_MAX_RANK] = {0}, off_a = 0, off_b = 0;
    for (int64_t t = 0; t < n_batch; t++) {
        gemm(y->dtype, false, false, p.m, p.n, p.k, 1.0,
             (const char *)a->data + off_a * p.m * p.k * esize, p.k,
             (const char *)b->data + off_b * p.k * p.n * esize, p.n, 0.0,
             (char *)y->data + t * p.m * p.n * esize, p.n);
        for (int i = p.batch_rank - 1; i >= 0; i--) {
            off_a += p.a_strides[i];
            off_b += p.b_strides[i];
            if (++index[i] < p.batch[i])
                break;
            off_a -= p.a_strides[i] * p.batch[i];
            off_b -= p.b_strides[i] * p.batch[i];
            index[i] = 0;
        }
    }
    return AIMRT_OK;
}

/* ---- Gemm ---- */

typedef struct gemm_plan {
    int64_t m, n, k;
    bool trans_a, trans_b;
    double alpha, beta;
} gemm_plan;

/* Checks that c broadcasts to [m, n] (unidirectionally, rank <= 2). */
static aimrt_status check_gemm_c(aimrt_op_call *call, const aimrt_tensor *c, const gemm_plan *p)
{
    const int64_t want[2] = {p->m, p->n};
    bool ok = c->rank <= 2;
    for (int i = 0; ok && i < c->rank; i++) {
        const int64_t d = c->dims[i], w = want[2 - c->rank + i];
        ok = d == 1 || d == w;
    }
    if (!ok)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "c of rank %d does not broadcast to [%lld, %lld]", c->rank,
                                 (long long)p->m, (long long)p->n);
    return AIMRT_OK;
}

static aimrt_status plan_gemm(aimrt_op_call *call, gemm_plan *p)
{
    const aimrt_tensor *a = &call->inputs[0], *b = &call->inputs[1];
    const aimrt_tensor *c = aimrt_kernel_input(call, 2);
    int64_t trans_a, trans_b;
    aimrt_status status = aimrt_kernel_int(call, AIMRT_ATTR_TRANS_A, 0, 0, 1, &trans_a);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_TRANS_B, 0, 0, 1, &trans_b);
    if (status == AIMRT_OK)
        status = aimrt_kernel_check_float(call, a, "a", NULL);
    if (status == AIMRT_OK)
        status = aimrt_kernel_check_float(call, b, "b", a);
    if (status == AIMRT_OK && c)
        status = aimrt_kernel_check_float(call, c, "c", a);
    if (status != AIMRT_OK)
        return status;
    if (a->rank != 2 || b->rank != 2)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "a and b have ranks %d and %d but take rank 2", a->rank, b->rank);

    p->trans_a = trans_a != 0;
    p->trans_b = trans_b != 0;
    p->m = a->dims[p->trans_a ? 1 : 0];
    p->k = a->dims[p->trans_a ? 0 : 1];
    p->n = b->dims[p->trans_b ? 0 : 1];
    const int64_t kb = b->dims[p->trans_b ? 1 : 0];
    if (kb != p->k)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "op(a) has %lld columns but op(b) has %lld rows", (long long)p->k,
                                 (long long)kb);
    p->alpha = aimrt_attr_float(call->attrs, call->n_attrs, AIMRT_ATTR_ALPHA, 1.0f);
    p->beta = c ? aimrt_attr_float(call->attrs, call->n_attrs, AIMRT_ATTR_BETA, 1.0f) : 0.0;
    status = c ? check_gemm_c(call, c, p) : AIMRT_OK;
    if (status != AIMRT_OK)
        return status;
    return check_blas_dims(call, p->m, p->n, p->k);
}

aimrt_status aimrt_kernel_gemm_infer(aimrt_op_call *call)
{
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 3);
    if (status != AIMRT_OK)
        return status;
    gemm_plan p;
    status = plan_gemm(call, &p);
    if (status != AIMRT_OK)
        return status;
    const int64_t dims[2] = {p.m, p.n};
    return aimrt_kernel_set_output(call, call->inputs[0].dtype, 2, dims);
}

/* Writes t broadcast to rows x cols into y (t has rank <= 2 and broadcasts). */
static void fill_broadcast(const aimrt_tensor *t, int64_t rows, int64_t cols, void *y)
{
    const int64_t esize = (int64_t)aimrt_dtype_size(t->dtype);
    const int64_t t_rows = t->rank == 2 ? t->dims[0] : 1;
    const int64_t t_cols = t->rank >= 1 ? t->dims[t->rank - 1] : 1;
    for (int64_t i = 0; i < rows; i++) {
        const char *src = (const char *)t->data + (t_rows == 1 ? 0 : i) * t_cols * esize;
        char *dst = (char *)y + i * cols * esize;
        if (t_cols == cols) {
            memcpy(dst, src, (size_t)(cols * esize));
            continue;
        }
        for (int64_t j = 0; j < cols; j++)
            memcpy(dst + j * esize, src, (size_t)esize);
    }
}

aimrt_status aimrt_kernel_gemm_run(aimrt_op_call *call)
{
    const aimrt_tensor *a = &call->inputs[0], *b = &call->inputs[1];
    const aimrt_tensor *c = aimrt_kernel_input(call, 2);
    aimrt_tensor *y = &call->outputs[0];
    gemm_plan p;
    aimrt_status status = plan_gemm(call, &p);
    if (status != AIMRT_OK)
        return status;

    if (c)
        fill_broadcast(c, p.m, p.n, y->data);
    gemm(y->dtype, p.trans_a, p.trans_b, p.m, p.n, p.k, p.alpha, a->data, a->dims[1], b->data,
         b->dims[1], p.beta, y->data, p.n);
    return AIMRT_OK;
}

/* ---- Linear ---- */

static aimrt_status plan_linear(aimrt_op_call *call, int64_t *rows, int64_t *k, int64_t *n)
{
    const aimrt_tensor *x = &call->inputs[0], *w = &call->inputs[1];
    const aimrt_tensor *bias = aimrt_kernel_input(call, 2);
    aimrt_status status = aimrt_kernel_check_float(call, x, "x", NULL);
    if (status == AIMRT_OK)
        status = aimrt_kernel_check_float(call, w, "w", x);
    if (status == AIMRT_OK && bias)
        status = aimrt_kernel_check_float(call, bias, "bias", x);
    if (status != AIMRT_OK)
        return status;
    if (x->rank < 1 || w->rank != 2 || x->dims[x->rank - 1] != w->dims[0])
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "x [..., K] and w [K, N] do not match: x rank %d, w rank %d",
                                 x->rank, w->rank);
    *k = w->dims[0];
    *n = w->dims[1];
    if (bias && (bias->rank != 1 || bias->dims[0] != *n))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "bias must have shape [%lld]",
                                 (long long)*n);
    *rows = 1;
    for (int i = 0; i < x->rank - 1; i++)
        *rows *= x->dims[i];
    return check_blas_dims(call, *rows, *n, *k);
}

/* Returns true when the call is the quantized form: an integer w. */
static bool is_quantized_linear(const aimrt_op_call *call)
{
    return call->n_inputs >= 2 && call->inputs[1].dtype == AIMRT_DTYPE_INT32;
}

aimrt_status aimrt_kernel_linear_infer(aimrt_op_call *call)
{
    if (is_quantized_linear(call))
        return aimrt_kernel_quantized_linear_infer(call);
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 3);
    if (status != AIMRT_OK)
        return status;
    int64_t rows, k, n;
    status = plan_linear(call, &rows, &k, &n);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    int64_t dims[AIMRT_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[x->rank - 1] = n;
    return aimrt_kernel_set_output(call, x->dtype, x->rank, dims);
}

aimrt_status aimrt_kernel_linear_run(aimrt_op_call *call, void *scratch)
{
    if (is_quantized_linear(call))
        return aimrt_kernel_quantized_linear_run(call, scratch);
    const aimrt_tensor *x = &call->inputs[0], *w = &call->inputs[1];
    const aimrt_tensor *bias = aimrt_kernel_input(call, 2);
    aimrt_tensor *y = &call->outputs[0];
    int64_t rows, k, n;
    aimrt_status status = plan_linear(call, &rows, &k, &n);
    if (status != AIMRT_OK)
        return status;

    if (bias)
        fill_broadcast(bias, rows, n, y->data);
    gemm(y->dtype, false, false, rows, n, k, 1.0, x->data, k, w->data, n, bias ? 1.0 : 0.0, y->data,
         n);
    return AIMRT_OK;
}

size_t aimrt_kernel_linear_scratch_size(const aimrt_op_call *call)
{
    return is_quantized_linear(call) ? aimrt_kernel_quantized_linear_scratch_size(call) : 0;
}

/* ---- Quantized linear ---- */

/* Shapes and input quantization of a quantized Linear call. */
typedef struct quantized_plan {
    int64_t rows, k, n;
    int32_t top;        /* Qx: 2^(b-1) - 1 signed, 2^b - 1 unsigned */
    bool is_signed;
    bool is_static;
    float input_scale;  /* the static LSB */
} quantized_plan;

/* Reads input_bits, input_signed and input_scale into p. */
static aimrt_status plan_input_quantization(aimrt_op_call *call, quantized_plan *p)
{
    if (!aimrt_attr_find(call->attrs, call->n_attrs, AIMRT_ATTR_INPUT_BITS))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "a quantized linear needs the input_bits attribute (1..16)");
    int64_t bits, is_signed;
    aimrt_status status = aimrt_kernel_int(call, AIMRT_ATTR_INPUT_BITS, 8, 1, 16, &bits);
    if (status == AIMRT_OK)
        status = aimrt_kernel_int(call, AIMRT_ATTR_INPUT_SIGNED, 1, 0, 1, &is_signed);
    if (status != AIMRT_OK)
        return status;
    if (is_signed && bits < 2)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "input_bits 1 leaves no nonzero signed input; use 2..16 or "
                                 "input_signed=0");
    p->is_signed = is_signed != 0;
    p->top = p->is_signed ? (INT32_C(1) << (bits - 1)) - 1 : (INT32_C(1) << bits) - 1;

    const aimrt_attr *scale = aimrt_attr_find(call->attrs, call->n_attrs, AIMRT_ATTR_INPUT_SCALE);
    p->is_static = scale != NULL;
    if (scale == NULL)
        return AIMRT_OK;
    if (scale->kind != AIMRT_ATTR_FLOATS || scale->n != 1 || !(scale->floats[0] > 0.0f) ||
        !isfinite(scale->floats[0]))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "input_scale must be one finite float > 0");
    p->input_scale = scale->floats[0];
    return AIMRT_OK;
}

/* Checks the optional calibration inputs: probe_x f32 [P, K] and probe_y
 * f32 [P, N] (both or neither), adc_range and adc_low f32 [C]. C depends on
 * the op's tile blocks, which the program loader checks. */
static aimrt_status check_calibration_operands(aimrt_op_call *call, int64_t k, int64_t n)
{
    const aimrt_tensor *probe_x = aimrt_kernel_input(call, 4);
    const aimrt_tensor *probe_y = aimrt_kernel_input(call, 5);
    const aimrt_tensor *adc_range = aimrt_kernel_input(call, 6);
    const aimrt_tensor *adc_low = aimrt_kernel_input(call, 7);
    if ((probe_x == NULL) != (probe_y == NULL))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "a quantized linear takes probe_x and probe_y together");
    if (probe_x != NULL &&
        (probe_x->dtype != AIMRT_DTYPE_FLOAT || probe_y->dtype != AIMRT_DTYPE_FLOAT ||
         probe_x->rank != 2 || probe_y->rank != 2 || probe_x->dims[1] != k ||
         probe_y->dims[1] != n || probe_x->dims[0] != probe_y->dims[0] || probe_x->dims[0] < 1))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "probe_x must be f32 [P, %lld] and probe_y f32 [P, %lld] with "
                                 "the same P >= 1",
                                 (long long)k, (long long)n);
    if (adc_range != NULL && (adc_range->dtype != AIMRT_DTYPE_FLOAT || adc_range->rank != 1))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "adc_range must be f32 [C], one range per tile column");
    if (adc_low != NULL && (adc_range == NULL || adc_low->dtype != AIMRT_DTYPE_FLOAT ||
                            adc_low->rank != 1 || adc_low->dims[0] != adc_range->dims[0]))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "adc_low must be f32 [C] like adc_range, which it needs");
    return AIMRT_OK;
}

/* Checks x (f32 [..., K]), w (i32 [K, N]), bias (f32 [N], opt) and w_scale (f32 [N]). */
static aimrt_status plan_quantized_linear(aimrt_op_call *call, quantized_plan *p)
{
    /* The bias (input 2) may be absent, so only two inputs are checked as present.
     * Inputs 4 to 7 (probe_x, probe_y, adc_range, adc_low) are optional
     * calibration data that the reference kernel does not read;
     * check_calibration_operands checks them. */
    aimrt_status status = aimrt_kernel_check_arity(call, 2, 8);
    if (status != AIMRT_OK)
        return status;
    if (call->n_inputs < 4 || !aimrt_kernel_input(call, 3))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "a quantized linear takes x, w, bias (or absent) and w_scale");
    const aimrt_tensor *x = &call->inputs[0], *w = &call->inputs[1];
    const aimrt_tensor *bias = aimrt_kernel_input(call, 2), *w_scale = &call->inputs[3];
    if (x->dtype != AIMRT_DTYPE_FLOAT || w_scale->dtype != AIMRT_DTYPE_FLOAT ||
        (bias && bias->dtype != AIMRT_DTYPE_FLOAT))
        return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED,
                                 "a quantized linear takes f32 x, bias and w_scale with i32 w");
    if (x->rank < 1 || w->rank != 2 || x->dims[x->rank - 1] != w->dims[0])
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "x [..., K] and w [K, N] do not match: x rank %d, w rank %d",
                                 x->rank, w->rank);
    p->k = w->dims[0];
    p->n = w->dims[1];
    if (bias && (bias->rank != 1 || bias->dims[0] != p->n))
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "bias must have shape [%lld]",
                                 (long long)p->n);
    if (w_scale->rank != 1 || w_scale->dims[0] != p->n)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "w_scale must have shape [%lld]",
                                 (long long)p->n);
    p->rows = 1;
    for (int i = 0; i < x->rank - 1; i++)
        p->rows *= x->dims[i];
    status = check_calibration_operands(call, p->k, p->n);
    if (status == AIMRT_OK)
        status = check_blas_dims(call, p->rows, p->n, p->k);
    return status == AIMRT_OK ? plan_input_quantization(call, p) : status;
}

aimrt_status aimrt_kernel_quantized_linear_infer(aimrt_op_call *call)
{
    quantized_plan p;
    const aimrt_status status = plan_quantized_linear(call, &p);
    if (status != AIMRT_OK)
        return status;
    const aimrt_tensor *x = &call->inputs[0];
    int64_t dims[AIMRT_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[x->rank - 1] = p.n;
    return aimrt_kernel_set_output(call, AIMRT_DTYPE_FLOAT, x->rank, dims);
}

size_t aimrt_kernel_quantized_linear_scratch_size(const aimrt_op_call *call)
{
    const aimrt_tensor *w = &call->inputs[1];
    if (call->n_inputs < 2 || w->rank != 2 || w->dims[0] < 0 || w->dims[1] < 0)
        return 0;
    /* acc (int64 per output column), then xq (int32 per input row). */
    return (size_t)w->dims[1] * sizeof(int64_t) + (size_t)w->dims[0] * sizeof(int32_t);
}

/*
 * Returns s_v and writes xq of one input vector: s_v = max_k |x| / Qx in f32
 * (1 for a zero vector) or the static LSB, then xq = clamp(round_half_even(x / s_v)).
 * The arithmetic is f32, as the runtime's exact device computes it.
 */
static float quantize_row(const quantized_plan *p, const float *row, int32_t *xq)
{
    float scale = p->input_scale;
    if (!p->is_static) {
        float range = 0.0f;
        for (int64_t i = 0; i < p->k; i++)
            range = fmaxf(range, fabsf(row[i]));
        scale = range > 0.0f ? range / (float)p->top : 1.0f;
    }
    const float low = p->is_signed ? (float)-p->top : 0.0f;
    for (int64_t i = 0; i < p->k; i++) {
        /* rintf rounds half to even in the default rounding mode; NaN goes to the low end. */
        float value = rintf(row[i] / scale);
        if (value > (float)p->top)
            value = (float)p->top;
        else if (!(value >= low))
            value = low;
        xq[i] = (int32_t)value;
    }
    return scale;
}

aimrt_status aimrt_kernel_quantized_linear_run(aimrt_op_call *call, void *scratch)
{
    quantized_plan p;
    const aimrt_status status = plan_quantized_linear(call, &p);
    if (status != AIMRT_OK)
        return status;
    if (!scratch && p.k + p.n > 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "needs scratch for the integers");
    const float *x = call->inputs[0].data, *w_scale = call->inputs[3].data;
    const int32_t *w = call->inputs[1].data;
    const aimrt_tensor *bias_tensor = aimrt_kernel_input(call, 2);
    const float *bias = bias_tensor ? bias_tensor->data : NULL;
    float *y = call->outputs[0].data;
    /* Unsigned sums wrap instead of overflowing on hostile weights; a real
     * product (|xq| < 2^16, |w| < 2^15) stays far inside int64. */
    uint64_t *acc = scratch;
    int32_t *xq = (int32_t *)(acc + p.n);

    for (int64_t v = 0; v < p.rows; v++) {
        const double scale = quantize_row(&p, x + v * p.k, xq);
        memset(acc, 0, (size_t)p.n * sizeof *acc);
        for (int64_t i = 0; i < p.k; i++) {
            if (xq[i] == 0)
                continue;
            const int32_t *w_row = w + i * p.n;
            for (int64_t c = 0; c < p.n; c++)
                acc[c] += (uint64_t)((int64_t)xq[i] * w_row[c]);
        }
        for (int64_t c = 0; c < p.n; c++) {
            const float value = (float)((double)(int64_t)acc[c] * scale * w_scale[c]);
            y[v * p.n + c] = bias ? value + bias[c] : value;
        }
    }
    return AIMRT_OK;
}
