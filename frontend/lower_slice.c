/* SPDX-License-Identifier: MIT */
/*
 * Slice and Split, both lowered to SLICE with starts, ends and steps for
 * every input axis, clamped by the ONNX rules so the kernel never clamps.
 * A batched input takes one GATHER per sliced axis instead.
 * Slice reads attributes before opset 10 and constant inputs after. Split
 * reads sizes from an attribute before opset 13, an input after, and
 * num_outputs from opset 18.
 */
#include <string.h>

#include "frontend/lower_rules.h"

/* Clamps one axis as the ONNX Slice specification does (opset 10 and later).
 * Negative indices count from the end. Then a positive step clamps both to
 * [0, dim]. A negative step clamps the start to [0, dim - 1] and the end to
 * [-1, dim - 1]. */
static void clamp_axis(int64_t dim, int64_t step, int64_t *start, int64_t *end)
{
    if (dim == 0) {
        *start = 0;
        *end = 0;
        return;
    }
    int64_t s = *start < 0 ? *start + dim : *start;
    int64_t e = *end < 0 ? *end + dim : *end;
    const int64_t low_end = step > 0 ? 0 : -1;
    const int64_t high = step > 0 ? dim : dim - 1;
    s = s < 0 ? 0 : (s > high ? high : s);
    e = e < low_end ? low_end : (e > high ? high : e);
    *start = s;
    *end = e;
}

/* Reads starts, ends, axes and steps in the form of the node's opset. n_axes
 * is -1 when axes are absent and n_steps -1 when steps are. */
static aimcc_status read_slice_args(lower_node *node, int *n, int64_t **starts, int64_t **ends,
                                    int *n_axes, int64_t **axes, int *n_steps, int64_t **steps)
{
    int n_ends = 0;
    aimcc_status status;
    *n_axes = -1;
    *n_steps = -1;
    if (node->opset < 10) {
        const int64_t *values[3] = {NULL, NULL, NULL};
        status = lower_attr_ints(node, "starts", n, &values[0]);
        if (status == AIMCC_OK)
            status = lower_attr_ints(node, "ends", &n_ends, &values[1]);
        if (status == AIMCC_OK)
            status = lower_attr_ints(node, "axes", n_axes, &values[2]);
        if (status != AIMCC_OK)
            return status;
        if (*n < 0 || n_ends < 0)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Slice needs starts and ends");
        /* The attributes are borrowed from the node, which the arrays only read. */
        *starts = (int64_t *)values[0];
        *ends = (int64_t *)values[1];
        *axes = (int64_t *)values[2];
    } else {
        status = lower_const_ints(node, 1, "starts", n, starts);
        if (status == AIMCC_OK)
            status = lower_const_ints(node, 2, "ends", &n_ends, ends);
        if (status == AIMCC_OK && lower_input(node, 3) != NULL)
            status = lower_const_ints(node, 3, "axes", n_axes, axes);
        if (status == AIMCC_OK && lower_input(node, 4) != NULL)
            status = lower_const_ints(node, 4, "steps", n_steps, steps);
        if (status != AIMCC_OK)
            return status;
    }
    if (n_ends != *n || (*n_axes >= 0 && *n_axes != *n) || (*n_steps >= 0 && *n_steps != *n))
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "starts, ends, axes and steps have %d, %d, %d and %d entries but must "
                          "have the same count (-1: absent)",
                          *n, n_ends, *n_axes, *n_steps);
    return AIMCC_OK;
}

/* Returns the length of a clamped slice of one axis. */
static int64_t slice_length(int64_t start, int64_t end, int64_t step)
{
    if (step > 0)
        return end > start ? (end - start + step - 1) / step : 0;
    return start > end ? (start - end - step - 1) / -step : 0;
}

/*
 * Emits the slice of a batched x (axis 0 whole) as one GATHER per changed
 * axis. SLICE cannot express it because its clamped ends would fix axis 0 at
 * the exported batch, while GATHER along another axis keeps any batch.
 */
static aimcc_status emit_batched_slice(lower_node *node, aimcc_value *x, const int64_t *starts,
                                       const int64_t *ends, const int64_t *steps,
                                       const char *out_name, aimcc_value **out)
{
    int last_changed = -1;
    for (int axis = 1; axis < x->rank; axis++) {
        if (starts[axis] != 0 || ends[axis] != x->dims[axis] || steps[axis] != 1)
            last_changed = axis;
    }
    if (last_changed < 0)
        return lower_emit(node, AIMRT_OP_IDENTITY, 1, &x, 0, NULL, out_name, out);

    aimcc_value *current = x;
    for (int axis = 1; axis <= last_changed; axis++) {
        if (starts[axis] == 0 && ends[axis] == x->dims[axis] && steps[axis] == 1)
            continue;
        const int64_t count = slice_length(starts[axis], ends[axis], steps[axis]);
        int64_t *indices = aimcc_arena_calloc(node->module->arena, (size_t)count + 1,
                                              sizeof *indices);
        if (indices == NULL)
            return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; i < count; i++)
            indices[i] = starts[axis] + i * steps[axis];

        aimcc_value *inputs[2] = {current, NULL};
        aimcc_status status =
            lower_constant(node, NULL, AIMRT_DTYPE_INT64, 1, &count, indices, &inputs[1]);
        const aimrt_attr attr = aimcc_ir_attr_int(node->module, AIMRT_ATTR_AXIS, axis);
        const char *name = axis == last_changed ? out_name : NULL;
        if (status == AIMCC_OK)
            status = lower_emit(node, AIMRT_OP_GATHER, 2, inputs, 1, &attr, name, &current);
        if (status != AIMCC_OK)
            return status;
    }
    *out = current;
    return AIMCC_OK;
}

static aimcc_status emit_slice(lower_node *node, aimcc_value *x, const int64_t *starts,
                               const int64_t *ends, const int64_t *steps, const char *out_name,
                               aimcc_value **out)
{
    if (x->batched)
        return emit_batched_slice(node, x, starts, ends, steps, out_name, out);
    aimcc_module *module = node->module;
    const aimrt_attr attrs[3] = {
        aimcc_ir_attr_ints(module, AIMRT_ATTR_STARTS, x->rank, starts),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_ENDS, x->rank, ends),
        aimcc_ir_attr_ints(module, AIMRT_ATTR_STEPS, x->rank, steps),
    };
    return lower_emit(node, AIMRT_OP_SLICE, 1, &x, 3, attrs, out_name, out);
}

aimcc_status lower_slice(lower_node *node)
{
    aimcc_value *x = NULL;
    int n = 0, n_axes = -1, n_steps = -1;
    int64_t *requested_starts = NULL, *requested_ends = NULL, *requested_axes = NULL, *requested_steps = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    if (status == AIMCC_OK)
        status = read_slice_args(node, &n, &requested_starts, &requested_ends, &n_axes, &requested_axes,
                                 &n_steps, &requested_steps);
    if (status != AIMCC_OK)
        return status;

    int64_t starts[AIMRT_MAX_RANK], ends[AIMRT_MAX_RANK], steps[AIMRT_MAX_RANK];
    bool seen[AIMRT_MAX_RANK] = {false};
    for (int i = 0; i < x->rank; i++) {
        starts[i] = 0;
        ends[i] = x->dims[i];
        steps[i] = 1;
    }
    for (int k = 0; k < n; k++) {
        int64_t axis = n_axes >= 0 ? requested_axes[k] : k;
        status = lower_axis(node, axis, x->rank, "axes", &axis);
        if (status != AIMCC_OK)
            return status;
        const int64_t step = n_steps >= 0 ? requested_steps[k] : 1;
        if (seen[axis] || step == 0)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "entry %d: axis %lld is repeated or its step is 0", k,
                              (long long)axis);
        seen[axis] = true;
        starts[axis] = requested_starts[k];
        ends[axis] = requested_ends[k];
        steps[axis] = step;
        clamp_axis(x->dims[axis], step, &starts[axis], &ends[axis]);
    }
    if (x->batched && x->rank > 0 &&
        (starts[0] != 0 || ends[0] != x->dims[0] || steps[0] != 1))
        return lower_batch_fail(node, x, "Slice cuts");

    aimcc_value *result = NULL;
    status = emit_slice(node, x, starts, ends, steps, lower_output_name(node, 0), &result);
    return status != AIMCC_OK ? status : lower_bind(node, 0, result);
}

/* Reads the sizes of Split's outputs along a dim of size dim. */
static aimcc_status read_split_sizes(lower_node *node, int64_t dim, int n_out, int64_t *sizes)
{
    int n = -1;
    const int64_t *given = NULL;
    aimcc_status status = AIMCC_OK;
    if (node->opset < 13) {
        status = lower_attr_ints(node, "split", &n, &given);
    } else if (lower_input(node, 1) != NULL) {
        int64_t *values = NULL;
        status = lower_const_ints(node, 1, "split", &n, &values);
        given = values;
    }
    int64_t num_outputs = -1;
    if (status == AIMCC_OK && node->opset >= 18)
        status = lower_attr_int(node, "num_outputs", -1, &num_outputs);
    if (status != AIMCC_OK)
        return status;

    if (n >= 0) {
        if (n != n_out)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "split has %d sizes but the node has %d outputs", n, n_out);
        int64_t total = 0;
        for (int i = 0; i < n; i++) {
            if (given[i] < 0 || given[i] > dim)
                return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "split[%d] = %lld is out of range [0, %lld]",
                                  i, (long long)given[i], (long long)dim);
            sizes[i] = given[i];
            total += given[i];
        }
        if (total != dim)
            return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                              "split sizes add up to %lld but the axis has size %lld",
                              (long long)total, (long long)dim);
        return AIMCC_OK;
    }
    if (num_outputs >= 0 && num_outputs != n_out)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "num_outputs is %lld but the node has %d outputs",
                          (long long)num_outputs, n_out);

    /* Opset 18: equal chunks of ceil(dim / n), the last one smaller. Before,
     * the axis must divide evenly. */
    const int64_t chunk = (dim + n_out - 1) / n_out;
    if ((num_outputs < 0 && dim % n_out != 0) || chunk * (n_out - 1) > dim)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                          "the axis of size %lld does not split into %d outputs",
                          (long long)dim, n_out);
    for (int i = 0; i < n_out; i++)
        sizes[i] = i < n_out - 1 ? chunk : dim - chunk * (n_out - 1);
    return AIMCC_OK;
}

aimcc_status lower_split(lower_node *node)
{
    aimcc_value *x = NULL;
    aimcc_status status = lower_input_required(node, 0, &x);
    int64_t axis = 0;
    if (status == AIMCC_OK)
        status = lower_attr_int(node, "axis", 0, &axis);
    if (status == AIMCC_OK)
        status = lower_axis(node, axis, x->rank, "axis", &axis);
    if (status != AIMCC_OK)
        return status;
    if (x->batched && axis == 0)
        return lower_batch_fail(node, x, "Split along axis 0 cuts");

    const int n_out = (int)node->node->n_output;
    if (n_out < 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "Split has no outputs");
    int64_t *sizes = aimcc_arena_calloc(node->module->arena, (size_t)n_out, sizeof *sizes);
    if (sizes == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory");
    status = read_split_sizes(node, x->dims[axis], n_out, sizes);
    if (status != AIMCC_OK)
        return status;

    int64_t starts[AIMRT_MAX_RANK], ends[AIMRT_MAX_RANK], steps[AIMRT_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        starts[i] = 0;
        ends[i] = x->dims[i];
        steps[i] = 1;
    }
    int64_t offset = 0;
    for (int k = 0; k < n_out; k++) {
        starts[axis] = offset;
        ends[axis] = offset + sizes[k];
        offset += sizes[k];
        const char *name = lower_output_name(node, k);
        if (name == NULL)
            continue;
        aimcc_value *part = NULL;
        status = emit_slice(node, x, starts, ends, steps, name, &part);
        if (status == AIMCC_OK)
            status = lower_bind(node, k, part);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}
