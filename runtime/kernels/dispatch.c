/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry points: selects the family of each op code for shape
 * inference, scratch sizing and execution. aimrt_op_run infers again and
 * compares with the caller's outputs, so no kernel writes past a buffer whose
 * shape disagrees with its inputs.
 */
#include "kernels/kernels.h"

#include <string.h>

static bool is_unary(aimrt_op op)
{
    return op >= AIMRT_OP_NEG && op <= AIMRT_OP_CLIP;
}

static bool is_binary(aimrt_op op)
{
    return op >= AIMRT_OP_ADD && op <= AIMRT_OP_PRELU;
}

aimrt_status aimrt_op_infer(aimrt_op_call *call)
{
    if (is_unary(call->op))
        return aimrt_kernel_unary_infer(call);
    if (is_binary(call->op))
        return aimrt_kernel_binary_infer(call);

    switch (call->op) {
    case AIMRT_OP_IDENTITY:
        return aimrt_kernel_identity_infer(call);
    case AIMRT_OP_SOFTMAX:
    case AIMRT_OP_LOG_SOFTMAX:
        return aimrt_kernel_softmax_infer(call);
    case AIMRT_OP_MAX_POOL:
    case AIMRT_OP_AVG_POOL:
        return aimrt_kernel_pool_infer(call);
    case AIMRT_OP_REDUCE_MEAN:
    case AIMRT_OP_REDUCE_MAX:
    case AIMRT_OP_REDUCE_SUM:
        return aimrt_kernel_reduce_infer(call);
    case AIMRT_OP_RESHAPE:
        return aimrt_kernel_reshape_infer(call);
    case AIMRT_OP_TRANSPOSE:
        return aimrt_kernel_transpose_infer(call);
    case AIMRT_OP_CONCAT:
        return aimrt_kernel_concat_infer(call);
    case AIMRT_OP_SLICE:
        return aimrt_kernel_slice_infer(call);
    case AIMRT_OP_GATHER:
        return aimrt_kernel_gather_infer(call);
    case AIMRT_OP_PAD:
        return aimrt_kernel_pad_infer(call);
    case AIMRT_OP_CAST:
        return aimrt_kernel_cast_infer(call);
    case AIMRT_OP_QUANTIZE_LINEAR:
        return aimrt_kernel_quantize_infer(call);
    case AIMRT_OP_DEQUANTIZE_LINEAR:
        return aimrt_kernel_dequantize_infer(call);
    case AIMRT_OP_MATMUL:
        return aimrt_kernel_matmul_infer(call);
    case AIMRT_OP_GEMM:
        return aimrt_kernel_gemm_infer(call);
    case AIMRT_OP_CONV:
        return aimrt_kernel_conv_infer(call);
    case AIMRT_OP_BATCH_NORM:
        return aimrt_kernel_batch_norm_infer(call);
    case AIMRT_OP_LINEAR:
        return aimrt_kernel_linear_infer(call);
    case AIMRT_OP_IM2COL:
        return aimrt_kernel_im2col_infer(call);
    default:
        break;
    }
    return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED, "unknown op code %d", (int)call->op);
}

size_t aimrt_op_scratch_size(const aimrt_op_call *call)
{
    if (call->op == AIMRT_OP_CONV)
        return aimrt_kernel_conv_scratch_size(call);
    if (call->op == AIMRT_OP_LINEAR)
        return aimrt_kernel_linear_scratch_size(call);
    return 0;
}

/* Calls the family's run function once the call has been checked. */
static aimrt_status run_checked(aimrt_op_call *call, void *scratch)
{
    if (is_unary(call->op))
        return aimrt_kernel_unary_run(call);
    if (is_binary(call->op))
        return aimrt_kernel_binary_run(call);

    switch (call->op) {
    case AIMRT_OP_IDENTITY:
    case AIMRT_OP_RESHAPE:
        return aimrt_kernel_identity_run(call);
    case AIMRT_OP_SOFTMAX:
    case AIMRT_OP_LOG_SOFTMAX:
        return aimrt_kernel_softmax_run(call);
    case AIMRT_OP_MAX_POOL:
    case AIMRT_OP_AVG_POOL:
        return aimrt_kernel_pool_run(call);
    case AIMRT_OP_REDUCE_MEAN:
    case AIMRT_OP_REDUCE_MAX:
    case AIMRT_OP_REDUCE_SUM:
        return aimrt_kernel_reduce_run(call);
    case AIMRT_OP_TRANSPOSE:
        return aimrt_kernel_transpose_run(call);
    case AIMRT_OP_CONCAT:
        return aimrt_kernel_concat_run(call);
    case AIMRT_OP_SLICE:
        return aimrt_kernel_slice_run(call);
    case AIMRT_OP_GATHER:
        return aimrt_kernel_gather_run(call);
    case AIMRT_OP_PAD:
        return aimrt_kernel_pad_run(call);
    case AIMRT_OP_CAST:
        return aimrt_kernel_cast_run(call);
    case AIMRT_OP_QUANTIZE_LINEAR:
        return aimrt_kernel_quantize_run(call);
    case AIMRT_OP_DEQUANTIZE_LINEAR:
        return aimrt_kernel_dequantize_run(call);
    case AIMRT_OP_MATMUL:
        return aimrt_kernel_matmul_run(call);
    case AIMRT_OP_GEMM:
        return aimrt_kernel_gemm_run(call);
    case AIMRT_OP_CONV:
        return aimrt_kernel_conv_run(call, scratch);
    case AIMRT_OP_BATCH_NORM:
        return aimrt_kernel_batch_norm_run(call);
    case AIMRT_OP_LINEAR:
        return aimrt_kernel_linear_run(call, scratch);
    case AIMRT_OP_IM2COL:
        return aimrt_kernel_im2col_run(call);
    default:
        break;
    }
    return aimrt_kernel_fail(call, AIMRT_ERR_UNSUPPORTED, "unknown op code %d", (int)call->op);
}

/* Checks that every present tensor with elements has data. */
static aimrt_status check_data(aimrt_op_call *call)
{
    for (int i = 0; i < call->n_inputs; i++) {
        const aimrt_tensor *t = &call->inputs[i];
        if (t->dtype != AIMRT_DTYPE_UNDEFINED && !t->data && aimrt_kernel_count(t) > 0)
            return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "input %d has no data", i);
    }
    const aimrt_tensor *y = &call->outputs[0];
    if (!y->data && aimrt_kernel_count(y) > 0)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "output 0 has no buffer");
    return AIMRT_OK;
}

aimrt_status aimrt_op_run(aimrt_op_call *call, void *scratch)
{
    if (call->n_outputs != 1 || !call->outputs)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG, "has %d outputs but takes 1",
                                 call->n_outputs);

    /* Infer into a copy so the caller's output view stays as given. */
    aimrt_tensor expected = call->outputs[0];
    aimrt_op_call check = *call;
    check.outputs = &expected;
    aimrt_status status = aimrt_op_infer(&check);
    if (status != AIMRT_OK)
        return status;

    const aimrt_tensor *y = &call->outputs[0];
    bool same = y->dtype == expected.dtype && y->rank == expected.rank;
    for (int i = 0; same && i < y->rank; i++)
        same = y->dims[i] == expected.dims[i];
    if (!same)
        return aimrt_kernel_fail(call, AIMRT_ERR_INVALID_ARG,
                                 "output has dtype %s rank %d, but the inputs give dtype %s "
                                 "rank %d or other dims",
                                 aimrt_dtype_name(y->dtype) ? aimrt_dtype_name(y->dtype) : "?",
                                 y->rank, aimrt_dtype_name(expected.dtype), expected.rank);

    status = check_data(call);
    if (status != AIMRT_OK)
        return status;
    return run_checked(call, scratch);
}
