/* SPDX-License-Identifier: MIT */
/*
 * The IR verifier runs after every pass in debug builds, with --verify-each,
 * and at the end of parsing. It checks dense ids, topological order, use
 * counts, and output shapes equal to aimrt_op_infer's. It also checks that
 * tile blocks cover each LINEAR weight matrix exactly once per replica inside
 * their tiles. ir/verify_plan.c checks quantization plans and cell levels.
 */
#include "ir/ir.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "ir/verify_plan.h"
#include "passes/kind_layout.h"

/* The op I/O arrays aimcc_ir_op_create accepts. */
#define MAX_OP_IO 64

typedef struct verifier {
    aimcc_ctx *ctx;
    const aimcc_module *module;
    bool *defined; /* by value id: an input, a constant, or the output of an op already seen */
    int *n_uses;   /* by value id: op inputs counted while walking the ops */
} verifier;

static aimcc_status fail_op(verifier *v, const aimcc_op *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static aimcc_status fail_op(verifier *v, const aimcc_op *op, const char *fmt, ...)
{
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return aimcc_fail(v->ctx, AIMCC_ERR_INTERNAL, op ? op->node : NULL, op ? op->onnx_type : NULL,
                      "invalid IR: %s", message);
}

/* Returns true when value is the module's value with its id, not a stray pointer. */
static bool owns_value(const aimcc_module *module, const aimcc_value *value)
{
    return value && value->id >= 0 && value->id < module->n_values &&
           module->values[value->id] == value;
}

static aimcc_status check_value(verifier *v, const aimcc_value *value)
{
    const aimcc_op *producer = value->kind == AIMCC_VALUE_ACTIVATION ? value->producer : NULL;
    const char *name = value->name ? value->name : "";
    if ((int)value->kind < 0 || value->kind >= AIMCC_VALUE_KIND_COUNT)
        return fail_op(v, producer, "value %%%d \"%s\" has kind %d, outside 0..%d", value->id, name,
                       (int)value->kind, AIMCC_VALUE_KIND_COUNT - 1);
    int64_t count;
    const size_t elem_size = aimrt_dtype_size(value->dtype);
    if (elem_size == 0 || !aimrt_shape_count(value->rank, value->dims, elem_size, &count))
        return fail_op(v, producer,
                       "value %%%d \"%s\" has dtype %d and rank %d, which is not a valid tensor "
                       "type",
                       value->id, name, (int)value->dtype, value->rank);
    if (value->batched && value->rank == 0)
        return fail_op(v, producer, "value %%%d \"%s\" is batched but has rank 0", value->id, name);
    if (value->kind == AIMCC_VALUE_CONST && !value->data)
        return fail_op(v, producer, "constant %%%d \"%s\" has no data", value->id, name);
    if (value->kind != AIMCC_VALUE_ACTIVATION && value->producer)
        return fail_op(v, value->producer, "%s %%%d \"%s\" has a producer op",
                       value->kind == AIMCC_VALUE_INPUT ? "input" : "constant", value->id, name);
    return AIMCC_OK;
}

static aimcc_status check_values(verifier *v)
{
    const aimcc_module *module = v->module;
    for (int id = 0; id < module->n_values; id++) {
        const aimcc_value *value = module->values[id];
        if (!value)
            return fail_op(v, NULL, "value table entry %d is NULL", id);
        if (value->id != id)
            return fail_op(v, NULL, "value table entry %d holds a value with id %d", id, value->id);
        const aimcc_status status = check_value(v, value);
        if (status != AIMCC_OK)
            return status;
        v->defined[id] = value->kind != AIMCC_VALUE_ACTIVATION;
    }
    return AIMCC_OK;
}

static aimcc_status check_tiles(verifier *v)
{
    const aimcc_module *module = v->module;
    const aimcc_target *target = module->target;
    for (int t = 0; t < module->n_tiles; t++) {
        const aimcc_tile *tile = &module->tiles[t];
        if (tile->id != t)
            return fail_op(v, NULL, "tile table entry %d holds tile @t%d", t, tile->id);
        if (tile->rows <= 0 || tile->cols <= 0)
            return fail_op(v, NULL, "tile @t%d has %" PRId64 "x%" PRId64 " cells", t, tile->rows,
                           tile->cols);
        if (tile->kind < 0 || (target && tile->kind >= target->n_kinds))
            return fail_op(v, NULL, "tile @t%d has kind %d, but the target has %d kinds", t,
                           tile->kind, target ? target->n_kinds : 0);
    }
    return AIMCC_OK;
}

/* Checks that every input is defined earlier and counts its use. */
static aimcc_status check_op_inputs(verifier *v, const aimcc_op *op)
{
    if (op->n_inputs < 0 || op->n_inputs > MAX_OP_IO || (op->n_inputs > 0 && !op->inputs))
        return fail_op(v, op, "the op has %d inputs, outside 0..%d", op->n_inputs, MAX_OP_IO);
    for (int i = 0; i < op->n_inputs; i++) {
        const aimcc_value *input = op->inputs[i];
        if (!input)
            continue;
        if (!owns_value(v->module, input))
            return fail_op(v, op, "input %d is not a value of this module", i);
        if (!v->defined[input->id])
            return fail_op(v, op,
                           "input %d (%%%d) is used before it is defined: the ops are not in "
                           "topological order, or its producer was removed",
                           i, input->id);
        v->n_uses[input->id]++;
    }
    return AIMCC_OK;
}

static aimcc_status check_op_outputs(verifier *v, const aimcc_op *op)
{
    if (op->n_outputs < 1 || op->n_outputs > MAX_OP_IO || !op->outputs)
        return fail_op(v, op, "the op has %d outputs, outside 1..%d", op->n_outputs, MAX_OP_IO);
    for (int i = 0; i < op->n_outputs; i++) {
        const aimcc_value *output = op->outputs[i];
        if (!owns_value(v->module, output))
            return fail_op(v, op, "output %d is not a value of this module", i);
        if (output->kind != AIMCC_VALUE_ACTIVATION || output->producer != op)
            return fail_op(v, op, "output %d (%%%d) is not an activation produced by this op", i,
                           output->id);
        if (v->defined[output->id])
            return fail_op(v, op, "output %d (%%%d) is defined twice", i, output->id);
        v->defined[output->id] = true;
    }
    return AIMCC_OK;
}

static void format_shape(char *buf, size_t size, const aimrt_tensor *tensor)
{
    const char *dtype = aimrt_dtype_name(tensor->dtype);
    size_t used = (size_t)snprintf(buf, size, "%s[", dtype ? dtype : "?");
    for (int d = 0; d < tensor->rank && used < size; d++)
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%" PRId64, d ? "," : "", tensor->dims[d]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

/* Re-runs shape inference as aimcc_ir_op_create does, with batched inputs at
 * batch 1, and compares every output. */
static aimcc_status check_op_shapes(verifier *v, const aimcc_op *op)
{
    aimrt_tensor inputs[MAX_OP_IO];
    aimrt_tensor inferred[MAX_OP_IO];
    memset(inputs, 0, sizeof inputs);
    memset(inferred, 0, sizeof inferred);
    for (int i = 0; i < op->n_inputs; i++) {
        if (!op->inputs[i])
            continue;
        inputs[i] = aimcc_ir_value_tensor(op->inputs[i]);
        if (op->inputs[i]->batched)
            inputs[i].dims[0] = 1;
    }
    char message[256] = "";
    aimrt_op_call call = {
        .op = op->code,
        .n_attrs = op->n_attrs,
        .attrs = op->attrs,
        .n_inputs = op->n_inputs,
        .inputs = inputs,
        .n_outputs = op->n_outputs,
        .outputs = inferred,
        .message = message,
        .message_size = sizeof message,
    };
    if (aimrt_op_infer(&call) != AIMRT_OK)
        return fail_op(v, op, "shape inference rejects the op: %s", message);

    for (int i = 0; i < op->n_outputs; i++) {
        const aimrt_tensor actual = aimcc_ir_value_tensor(op->outputs[i]);
        bool same = actual.dtype == inferred[i].dtype && actual.rank == inferred[i].rank;
        for (int d = 0; same && d < actual.rank; d++)
            same = actual.dims[d] == inferred[i].dims[d];
        if (!same) {
            char have[128], want[128];
            format_shape(have, sizeof have, &actual);
            format_shape(want, sizeof want, &inferred[i]);
            return fail_op(v, op, "output %d (%%%d) is %s but shape inference gives %s", i,
                           op->outputs[i]->id, have, want);
        }
    }
    return AIMCC_OK;
}

/* Largest S * P any plan can have: 16 binary digits of two's complement, or
 * 16 digits of two cells for the widest weights. */
#define MAX_COLUMNS_PER_WEIGHT (2 * AIMCC_MAX_WEIGHT_BITS)

/* The tile columns of one block: per weight column, reference, and in all. */
typedef struct block_columns {
    int64_t per_weight; /* S * P, or 1 for float weights */
    int32_t references; /* S for the offset encoding, else 0 */
    int64_t total;      /* n_cols * per_weight + references, INT64_MAX on overflow */
} block_columns;

/*
 * Returns the tile columns of block: n_cols for float weights, and for a
 * quantized op n_cols * S * P plus S reference columns for the offset
 * encoding (aimrt_plan_columns_per_weight and aimrt_plan_reference_columns,
 * the layout the runtime reads). Before bit-slice sets S and P, the same
 * formulas come from the plan's bits, as map computes them. A plan whose
 * fields are out of range counts as float here, and ir/verify_plan.c
 * reports it.
 */
static block_columns block_tile_columns(const aimcc_op *op, const aimcc_tile_block *block)
{
    const block_columns plain = {1, 0, block->n_cols};
    const aimrt_linear_plan *plan = op->plan;
    if (plan == NULL || plan->encoding == AIMRT_ENCODING_FLOAT ||
        (unsigned)plan->encoding >= AIMRT_ENCODING_COUNT)
        return plain;
    aimrt_linear_plan layout = *plan;
    if (layout.n_slices == 0 && layout.n_polarities == 0) {
        if (layout.cell_bits < 1 || layout.weight_bits < 1 ||
            layout.weight_bits > AIMCC_MAX_WEIGHT_BITS)
            return plain;
        layout.n_slices = aimcc_layout_slices(layout.encoding, layout.weight_bits,
                                              layout.cell_bits);
        layout.n_polarities = aimcc_layout_polarities(layout.encoding);
    }
    if (layout.n_slices < 1 || layout.n_polarities < 1 ||
        aimrt_plan_columns_per_weight(&layout) > MAX_COLUMNS_PER_WEIGHT)
        return plain;
    block_columns columns = {
        .per_weight = aimrt_plan_columns_per_weight(&layout),
        .references = aimrt_plan_reference_columns(&layout),
    };
    /* A product past INT64_MAX fits no tile. */
    if (__builtin_mul_overflow(block->n_cols, columns.per_weight, &columns.total) ||
        __builtin_add_overflow(columns.total, (int64_t)columns.references, &columns.total))
        columns.total = INT64_MAX;
    return columns;
}

/* Checks that one block lies inside the K x N weight matrix and that its
 * physical cells (block_tile_columns) lie inside its tile. */
static aimcc_status check_block(verifier *v, const aimcc_op *op, int b, int64_t k, int64_t n)
{
    const aimcc_tile_block *block = &op->blocks[b];
    if (block->tile < 0 || block->tile >= v->module->n_tiles)
        return fail_op(v, op, "block %d is on tile @t%d, but the module has %d tiles", b,
                       block->tile, v->module->n_tiles);
    const aimcc_tile *tile = &v->module->tiles[block->tile];
    if (block->n_rows <= 0 || block->n_cols <= 0)
        return fail_op(v, op, "block %d has %" PRId64 "x%" PRId64 " cells", b, block->n_rows,
                       block->n_cols);
    const block_columns cols = block_tile_columns(op, block);
    /* Compared as "offset <= limit - size" so huge values cannot overflow. */
    if (block->tile_row < 0 || block->tile_col < 0 || block->n_rows > tile->rows ||
        cols.total > tile->cols || block->tile_row > tile->rows - block->n_rows ||
        block->tile_col > tile->cols - cols.total) {
        if (cols.per_weight == 1 && cols.references == 0)
            return fail_op(v, op,
                           "block %d (%" PRId64 "x%" PRId64 " at [%" PRId64 ", %" PRId64
                           "]) does not fit tile @t%d of %" PRId64 "x%" PRId64,
                           b, block->n_rows, block->n_cols, block->tile_row, block->tile_col,
                           block->tile, tile->rows, tile->cols);
        return fail_op(v, op,
                       "block %d (%" PRId64 " rows x %" PRId64 " weight columns at [%" PRId64
                       ", %" PRId64 "], taking %" PRId64 " tile columns: S * P = %" PRId64
                       " per weight column plus %d reference columns) does not fit tile @t%d "
                       "of %" PRId64 "x%" PRId64,
                       b, block->n_rows, block->n_cols, block->tile_row, block->tile_col,
                       cols.total, cols.per_weight, cols.references, block->tile, tile->rows,
                       tile->cols);
    }
    if (block->w_row < 0 || block->w_col < 0 || block->n_rows > k || block->n_cols > n ||
        block->w_row > k - block->n_rows || block->w_col > n - block->n_cols)
        return fail_op(v, op,
                       "block %d (rows %" PRId64 "+%" PRId64 ", columns %" PRId64 "+%" PRId64
                       ") lies outside the %" PRId64 "x%" PRId64 " weight matrix",
                       b, block->w_row, block->n_rows, block->w_col, block->n_cols, k, n);
    return AIMCC_OK;
}

static bool blocks_overlap(const aimcc_tile_block *a, const aimcc_tile_block *b)
{
    return a->w_row < b->w_row + b->n_rows && b->w_row < a->w_row + a->n_rows &&
           a->w_col < b->w_col + b->n_cols && b->w_col < a->w_col + a->n_cols;
}

/*
 * Blocks of one replica inside W that do not overlap and whose areas add up
 * to K * N cover every weight exactly once.
 */
static aimcc_status check_replica_cover(verifier *v, const aimcc_op *op, int replica, int64_t k,
                                        int64_t n)
{
    const aimcc_value *weight = op->inputs[1];
    int64_t area = 0;
    for (int b = 0; b < op->n_blocks; b++) {
        if (op->blocks[b].replica != replica)
            continue;
        for (int a = 0; a < b; a++) {
            if (op->blocks[a].replica != replica || !blocks_overlap(&op->blocks[a], &op->blocks[b]))
                continue;
            if (op->n_replicas == 1)
                return fail_op(v, op, "blocks %d and %d cover the same weights of %%%d", a, b,
                               weight->id);
            return fail_op(v, op, "blocks %d and %d of replica %d cover the same weights of %%%d",
                           a, b, replica, weight->id);
        }
        /* Each block lies inside W, so the running sum stays at most K * N. */
        area += op->blocks[b].n_rows * op->blocks[b].n_cols;
    }
    if (area != k * n && op->n_replicas == 1)
        return fail_op(v, op,
                       "the tile blocks cover %" PRId64 " of the %" PRId64 " weights of %%%d "
                       "(%" PRId64 "x%" PRId64 ")",
                       area, k * n, weight->id, k, n);
    if (area != k * n)
        return fail_op(v, op,
                       "the tile blocks of replica %d cover %" PRId64 " of the %" PRId64
                       " weights of %%%d (%" PRId64 "x%" PRId64 ")",
                       replica, area, k * n, weight->id, k, n);
    return AIMCC_OK;
}

/* Checks the blocks of a LINEAR op: inside their tiles and W, and each of
 * the op's n_replicas copies covering W exactly once. */
static aimcc_status check_op_blocks(verifier *v, const aimcc_op *op)
{
    const bool mapped = (v->module->properties & AIMCC_PROP_MAPPED) != 0;
    if (op->code != AIMRT_OP_LINEAR) {
        if (op->n_blocks != 0)
            return fail_op(v, op, "a %s op has %d tile blocks; only linear ops have blocks",
                           aimrt_op_name(op->code), op->n_blocks);
        return AIMCC_OK;
    }
    if (op->n_blocks == 0 && mapped)
        return fail_op(v, op, "the module is mapped but this linear op has no tile blocks");
    if (op->n_blocks == 0)
        return AIMCC_OK;
    if (op->n_blocks < 0 || !op->blocks)
        return fail_op(v, op, "the op has %d tile blocks", op->n_blocks);

    const aimcc_value *weight = op->n_inputs > 1 ? op->inputs[1] : NULL;
    if (!weight || weight->rank != 2)
        return fail_op(v, op, "the tile blocks need a rank-2 weight matrix as input 1");
    const int64_t k = weight->dims[0], n = weight->dims[1];
    if (op->n_replicas < 1 || op->n_replicas > op->n_blocks)
        return fail_op(v, op, "the op has %d replicas for %d tile blocks; each replica needs "
                       "blocks of its own",
                       op->n_replicas, op->n_blocks);
    for (int b = 0; b < op->n_blocks; b++) {
        const aimcc_status status = check_block(v, op, b, k, n);
        if (status != AIMCC_OK)
            return status;
        if (op->blocks[b].replica < 0 || op->blocks[b].replica >= op->n_replicas)
            return fail_op(v, op, "block %d belongs to replica %d, outside 0..%d", b,
                           op->blocks[b].replica, op->n_replicas - 1);
    }
    for (int r = 0; r < op->n_replicas; r++) {
        const aimcc_status status = check_replica_cover(v, op, r, k, n);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}

/* Checks the optional calibration operands of a quantized LINEAR op:
 * constants probe_x f32 [P, K] and probe_y f32 [P, N] (both or neither), and
 * adc_range f32 [C] with C the tile columns of the op's blocks, every range
 * finite and >= 0, and adc_low f32 [C] below adc_range (or both 0). */
static aimcc_status check_op_calibration(verifier *v, const aimcc_op *op)
{
    if (op->code != AIMRT_OP_LINEAR || op->n_inputs <= 4)
        return AIMCC_OK;
    if (op->plan == NULL || op->plan->encoding == AIMRT_ENCODING_FLOAT)
        return fail_op(v, op, "a float linear op has %d inputs; only quantized ones take the "
                       "calibration inputs 4 to 7", op->n_inputs);
    const aimcc_value *x = op->inputs[4], *y = op->n_inputs > 5 ? op->inputs[5] : NULL;
    const aimcc_value *range = op->n_inputs > 6 ? op->inputs[6] : NULL;
    const aimcc_value *low = op->n_inputs > 7 ? op->inputs[7] : NULL;
    for (int i = 4; i < op->n_inputs; i++) {
        const aimcc_value *input = op->inputs[i];
        if (input && (input->kind != AIMCC_VALUE_CONST || !input->data ||
                      input->dtype != AIMRT_DTYPE_FLOAT))
            return fail_op(v, op, "calibration input %d (%%%d) is not an f32 constant", i,
                           input->id);
    }
    if ((x == NULL) != (y == NULL))
        return fail_op(v, op, "probe_x (input 4) and probe_y (input 5) must be given together");
    if (low != NULL && range == NULL)
        return fail_op(v, op, "adc_low (input 7) needs adc_range (input 6)");
    if (range == NULL)
        return AIMCC_OK;
    int64_t columns = 0;
    for (int b = 0; b < op->n_blocks; b++)
        columns += op->blocks[b].n_cols * aimrt_plan_columns_per_weight(op->plan) +
                   aimrt_plan_reference_columns(op->plan);
    if (range->rank != 1 || range->dims[0] != columns)
        return fail_op(v, op, "adc_range (input 6) has %" PRId64 " values but the op's blocks "
                       "have %" PRId64 " tile columns",
                       range->rank == 1 ? range->dims[0] : -1, columns);
    const float *values = range->data;
    for (int64_t c = 0; c < columns; c++) {
        if (!(values[c] >= 0.0f) || !isfinite(values[c]))
            return fail_op(v, op, "adc_range (input 6) column %" PRId64 " is %g; ranges are "
                           "finite and >= 0", c, (double)values[c]);
    }
    if (low == NULL)
        return AIMCC_OK;
    if (low->rank != 1 || low->dims[0] != columns)
        return fail_op(v, op, "adc_low (input 7) has %" PRId64 " values but adc_range %" PRId64,
                       low->rank == 1 ? low->dims[0] : -1, columns);
    const float *lows = low->data;
    for (int64_t c = 0; c < columns; c++) {
        const bool unset = lows[c] == 0.0f && values[c] == 0.0f;
        if (!isfinite(lows[c]) || !(unset || lows[c] < values[c]))
            return fail_op(v, op, "ADC span of column %" PRId64 " is [%g, %g]; adc_low must be "
                           "below adc_range, or both 0", c, (double)lows[c], (double)values[c]);
    }
    return AIMCC_OK;
}

static aimcc_status check_op(verifier *v, const aimcc_op *op)
{
    if ((int)op->code < 0 || op->code >= AIMRT_OP_COUNT)
        return fail_op(v, op, "op code %d is outside 0..%d", (int)op->code, AIMRT_OP_COUNT - 1);
    aimcc_status status = check_op_inputs(v, op);
    if (status == AIMCC_OK)
        status = check_op_outputs(v, op);
    if (status == AIMCC_OK)
        status = check_op_shapes(v, op);
    if (status == AIMCC_OK)
        status = check_op_blocks(v, op);
    if (status == AIMCC_OK)
        status = aimcc_ir_verify_plan(v->ctx, v->module, op);
    if (status == AIMCC_OK)
        status = check_op_calibration(v, op);
    return status;
}

/* Walks the op list; the walk is bounded by the ops ever created, so a cycle fails. */
static aimcc_status check_ops(verifier *v)
{
    const aimcc_module *module = v->module;
    const aimcc_op *prev = NULL;
    int n_ops = 0;
    for (const aimcc_op *op = module->first; op; prev = op, op = op->next) {
        if (++n_ops > module->next_op_id)
            return fail_op(v, op, "the op list has more ops than were created: it has a cycle");
        if (op->prev != prev)
            return fail_op(v, op, "the op's prev link does not point at the op before it");
        const aimcc_status status = check_op(v, op);
        if (status != AIMCC_OK)
            return status;
    }
    if (module->last != prev)
        return fail_op(v, module->last, "the module's last op is not the end of the op list");
    return AIMCC_OK;
}

static aimcc_status check_use_counts(verifier *v)
{
    const aimcc_module *module = v->module;
    for (int id = 0; id < module->n_values; id++) {
        const aimcc_value *value = module->values[id];
        if (value->n_uses == v->n_uses[id])
            continue;
        const aimcc_op *producer = value->kind == AIMCC_VALUE_ACTIVATION ? value->producer : NULL;
        return fail_op(v, producer, "value %%%d \"%s\" records %d uses but %d op inputs read it",
                       id, value->name ? value->name : "", value->n_uses, v->n_uses[id]);
    }
    return AIMCC_OK;
}

static aimcc_status check_graph_io(verifier *v)
{
    const aimcc_module *module = v->module;
    for (int i = 0; i < module->n_inputs; i++) {
        const aimcc_value *input = module->inputs[i];
        if (!owns_value(module, input) || input->kind != AIMCC_VALUE_INPUT)
            return fail_op(v, NULL, "graph input %d is not an input value of this module", i);
    }
    for (int i = 0; i < module->n_outputs; i++) {
        const aimcc_value *output = module->outputs[i];
        const char *name = module->output_names ? module->output_names[i] : NULL;
        if (!owns_value(module, output))
            return fail_op(v, NULL, "graph output %d \"%s\" is not a value of this module", i,
                           name ? name : "");
        if (!v->defined[output->id])
            return fail_op(v, output->producer,
                           "graph output %d \"%s\" (%%%d) is not defined by any op of the module",
                           i, name ? name : "", output->id);
        if (!output->is_output)
            return fail_op(v, output->producer,
                           "graph output %d \"%s\" (%%%d) is not marked as an output", i,
                           name ? name : "", output->id);
    }
    return AIMCC_OK;
}

/* Checks that a scheduled module placed every op output in its part of the
 * arena, aligned to its elements as the runtime requires. Whether buffers
 * that live at the same time overlap is left to the schedule tests. */
static aimcc_status check_buffers(verifier *v)
{
    const aimcc_module *module = v->module;
    if (!(module->properties & AIMCC_PROP_SCHEDULED))
        return AIMCC_OK;
    for (const aimcc_op *op = module->first; op; op = op->next) {
        for (int i = 0; i < op->n_outputs; i++) {
            const aimcc_value *value = op->outputs[i];
            if (value->kind != AIMCC_VALUE_ACTIVATION)
                continue;
            const int64_t arena =
                value->batched ? module->arena_bytes_per_sample : module->arena_bytes_fixed;
            const int64_t bytes = aimcc_ir_value_buffer_bytes(value);
            const int64_t element = (int64_t)aimrt_dtype_size(value->dtype);
            if (value->buffer_offset < 0)
                return fail_op(v, op, "the module is scheduled but output %%%d has no buffer",
                               value->id);
            if (bytes < 0 || value->buffer_offset > arena ||
                bytes > arena - value->buffer_offset ||
                (element > 0 && value->buffer_offset % element != 0))
                return fail_op(v, op,
                               "the buffer of %%%d (%" PRId64 " bytes at offset %" PRId64
                               ") is not aligned to its %" PRId64 "-byte elements or runs "
                               "past the %" PRId64 "-byte %s arena",
                               value->id, bytes, value->buffer_offset, element, arena,
                               value->batched ? "per-sample" : "fixed");
        }
    }
    return AIMCC_OK;
}

aimcc_status aimcc_ir_verify(aimcc_ctx *ctx, const aimcc_module *module)
{
    verifier v = {.ctx = ctx, .module = module};
    if (module->n_values < 0 || (module->n_values > 0 && !module->values))
        return fail_op(&v, NULL, "the module has %d values", module->n_values);
    const size_t n = (size_t)module->n_values + 1;
    v.defined = calloc(n, sizeof *v.defined);
    v.n_uses = calloc(n, sizeof *v.n_uses);
    aimcc_status status = AIMCC_ERR_NOMEM;
    if (!v.defined || !v.n_uses) {
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory verifying %d values",
                            module->n_values);
        goto cleanup;
    }

    status = check_values(&v);
    if (status == AIMCC_OK)
        status = check_tiles(&v);
    if (status == AIMCC_OK)
        status = check_ops(&v);
    if (status == AIMCC_OK)
        status = aimcc_ir_verify_levels(ctx, module);
    if (status == AIMCC_OK)
        status = check_use_counts(&v);
    if (status == AIMCC_OK)
        status = check_graph_io(&v);
    if (status == AIMCC_OK)
        status = check_buffers(&v);

cleanup:
    free(v.defined);
    free(v.n_uses);
    return status;
}
