/* SPDX-License-Identifier: MIT */
/*
 * Load-time checks of LINEAR ops on tiles. A quantized op's plan must match
 * its tile kind and the slice and phase formulas of docs/tile-lowering.md, and
 * its four inputs their shapes. Every op's blocks and replicas must fit the
 * tiles and W, and the levels of every tile of an integer kind must be valid.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"

/* Above this many blocks in one LINEAR op the pairwise overlap check would
 * cost too much on a hostile file, so only the block areas are checked. */
#define MAX_BLOCKS_PAIRWISE 4096
/* Cell levels are stored as f32, which is exact for integers up to 2^24. */
#define MAX_CELL_BITS 24
/* Inputs of a phase are passed as f32 as well. */
#define MAX_INPUT_BITS 24

const char *program_encoding_name(aimrt_encoding encoding)
{
    static const char *const names[] = {"float", "differential", "offset", "constant-sum",
                                        "twos-complement"};
    return (unsigned)encoding < AIMRT_ENCODING_COUNT ? names[encoding] : "unknown";
}

const char *program_input_mode_name(aimrt_input_mode mode)
{
    static const char *const names[] = {"float", "amplitude", "bit-serial", "pwm"};
    return (unsigned)mode < AIMRT_INPUT_MODE_COUNT ? names[mode] : "unknown";
}

const char *program_input_sign_name(aimrt_input_sign sign)
{
    static const char *const names[] = {"one-pass", "two-pass-analog", "two-pass-digital",
                                        "unsigned"};
    return (unsigned)sign < AIMRT_INPUT_SIGN_COUNT ? names[sign] : "unknown";
}

const char *program_input_range_name(aimrt_input_range range)
{
    static const char *const names[] = {"dynamic", "static"};
    return (unsigned)range < AIMRT_RANGE_COUNT ? names[range] : "unknown";
}

int64_t program_block_columns(const program_op *op, const program_block *block)
{
    return block->n_cols * aimrt_plan_columns_per_weight(&op->plan) +
           aimrt_plan_reference_columns(&op->plan);
}

/* Returns the smallest e with 2^e >= n (n >= 1). */
static int ceil_log2(int64_t n)
{
    int e = 0;
    while (e < 63 && (INT64_C(1) << e) < n)
        e++;
    return e;
}

/* Returns the slices S that docs/tile-lowering.md gives for the encoding. */
static int32_t expected_slices(const aimrt_linear_plan *plan)
{
    const int32_t wb = plan->weight_bits, cb = plan->cell_bits;
    switch (plan->encoding) {
    case AIMRT_ENCODING_DIFFERENTIAL: return (wb - 1 + cb - 1) / cb;
    case AIMRT_ENCODING_OFFSET:
    case AIMRT_ENCODING_CONSTANT_SUM: return (wb + cb - 1) / cb;
    case AIMRT_ENCODING_TWOS_COMPLEMENT: return wb;
    default: return 1;
    }
}

/* Returns the phases per MVM that docs/tile-lowering.md gives for the input mode and sign. */
static int32_t expected_phases(const aimrt_linear_plan *plan)
{
    const bool two_pass = plan->input_sign == AIMRT_INPUT_TWO_PASS_ANALOG ||
                          plan->input_sign == AIMRT_INPUT_TWO_PASS_DIGITAL;
    if (plan->input_mode != AIMRT_INPUT_BIT_SERIAL)
        return two_pass ? 2 : 1;
    return two_pass ? 2 * (plan->input_bits - 1) : plan->input_bits;
}

static aimrt_status plan_fail(const aimrt_program *program, int index, const char *what,
                              aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const aimrt_linear_plan *p = &op->plan;
    return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                           "op %d \"%s\": plan (kind %d, encoding %u, wb %d, cb %d, S %d, P %d, "
                           "input mode %u, sign %u, bits %d, phases %d, range %u, scale %g): %s",
                           index, op->node, p->kind, (unsigned)p->encoding, p->weight_bits,
                           p->cell_bits, p->n_slices, p->n_polarities, (unsigned)p->input_mode,
                           (unsigned)p->input_sign, p->input_bits, p->n_phases,
                           (unsigned)p->input_range, (double)p->input_scale, what);
}

/* Checks the enums and widths of a plan, then S, P and phases by formula. */
static aimrt_status check_plan_fields(const aimrt_program *program, int index,
                                      aimrt_error *error)
{
    const aimrt_linear_plan *p = &program->ops[index].plan;
    if (p->kind < 0 || p->kind >= program->n_kinds)
        return plan_fail(program, index, "the kind is out of range", error);
    const program_kind *kind = &program->kinds[p->kind];
    if ((unsigned)p->encoding >= AIMRT_ENCODING_COUNT || p->encoding == AIMRT_ENCODING_FLOAT ||
        (unsigned)p->input_mode >= AIMRT_INPUT_MODE_COUNT || p->input_mode == AIMRT_INPUT_FLOAT ||
        (unsigned)p->input_sign >= AIMRT_INPUT_SIGN_COUNT ||
        (unsigned)p->input_range >= AIMRT_RANGE_COUNT)
        return plan_fail(program, index, "an enum is out of range (a quantized op needs an "
                         "integer encoding and input mode)", error);
    if (p->encoding != kind->encoding_code || p->weight_bits != kind->weight_bits ||
        p->cell_bits != kind->cell_bits || p->input_mode != kind->input_mode ||
        p->input_bits != kind->input_bits)
        return plan_fail(program, index, "encoding, bit widths or input mode differ from its "
                         "tile kind's", error);
    if (p->weight_bits < 2 || p->weight_bits > 32 || p->cell_bits < 1 ||
        p->cell_bits > MAX_CELL_BITS || p->input_bits < 1 || p->input_bits > MAX_INPUT_BITS ||
        (p->input_bits < 2 && p->input_sign != AIMRT_INPUT_UNSIGNED))
        return plan_fail(program, index, "needs weight bits in [2, 32], cell bits in [1, 24] "
                         "and input bits in [1, 24] (2 for signed inputs)", error);
    if (p->input_sign != kind->input_sign && p->input_sign != AIMRT_INPUT_UNSIGNED)
        return plan_fail(program, index, "the input sign is neither the kind's nor unsigned",
                         error);
    if (p->encoding == AIMRT_ENCODING_TWOS_COMPLEMENT && p->cell_bits != 1)
        return plan_fail(program, index, "two's complement needs 1 cell bit", error);
    const int32_t polarities = p->encoding == AIMRT_ENCODING_DIFFERENTIAL ||
                                       p->encoding == AIMRT_ENCODING_CONSTANT_SUM
                                   ? 2
                                   : 1;
    if (p->n_slices != expected_slices(p) || p->n_polarities != polarities ||
        p->n_phases != expected_phases(p))
        return plan_fail(program, index, "S, P or phases do not follow from the encoding and "
                         "bits (docs/tile-lowering.md)", error);
    if (p->input_range == AIMRT_RANGE_STATIC && !(isfinite(p->input_scale) && p->input_scale > 0))
        return plan_fail(program, index, "a static input range needs a finite input scale > 0",
                         error);
    return AIMRT_OK;
}

/* Checks that every integer the exact arithmetic forms stays exact: column
 * sums in double (below 2^53) and the accumulator in int64. */
static aimrt_status check_plan_bounds(const aimrt_program *program, int index, int64_t k,
                                      aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const aimrt_linear_plan *p = &op->plan;
    int64_t max_rows = 1;
    for (int i = 0; i < op->n_blocks; i++)
        max_rows = op->blocks[i].n_rows > max_rows ? op->blocks[i].n_rows : max_rows;
    if (ceil_log2(max_rows) + p->input_bits + p->cell_bits > 52 ||
        ceil_log2(k) + 2 * p->input_bits + p->weight_bits + p->cell_bits + 3 > 62)
        return plan_fail(program, index, "column sums or the accumulator could exceed 2^53 or "
                         "2^62; use fewer rows or bits", error);
    return AIMRT_OK;
}

/* Checks the four inputs of a quantized LINEAR (x, Wq, bias, w_scale) and its
 * output at batch, in place of aimrt_op_infer. A version 2 program may add
 * the calibration inputs 4 to 6, which program_check_calibration checks. */
aimrt_status program_check_quantized_shapes(const aimrt_program *program, int index,
                                            int64_t batch, aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const int max_inputs = program->version >= 2 ? AIMRT_LINEAR_MAX_INPUTS : 4;
    if (op->n_inputs < 4 || op->n_inputs > max_inputs || op->n_outputs != 1 ||
        op->inputs[0] < 0 || op->inputs[1] < 0 || op->inputs[3] < 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": a quantized linear op takes x, Wq, bias (or "
                               "absent) and w_scale (then, from format version 2, probe_x, "
                               "probe_y, adc_range and adc_low, each optional) and writes y; it has %d "
                               "inputs and %d outputs", index, op->node, op->n_inputs,
                               op->n_outputs);
    aimrt_tensor x, w, y, scale, bias = {.dtype = AIMRT_DTYPE_FLOAT, .rank = 1};
    program_tensor_view(program, op->inputs[0], batch, &x);
    program_tensor_view(program, op->inputs[1], batch, &w);
    program_tensor_view(program, op->inputs[3], batch, &scale);
    program_tensor_view(program, op->outputs[0], batch, &y);
    const int64_t n = w.rank == 2 ? w.dims[1] : -1;
    if (op->inputs[2] >= 0)
        program_tensor_view(program, op->inputs[2], batch, &bias);
    else
        bias.dims[0] = n;

    bool ok = x.dtype == AIMRT_DTYPE_FLOAT && x.rank >= 1 && w.dtype == AIMRT_DTYPE_INT32 &&
              w.rank == 2 && x.dims[x.rank - 1] == w.dims[0] &&
              program->tensors[op->inputs[3]].kind == AIMRT_TENSOR_CONST &&
              scale.dtype == AIMRT_DTYPE_FLOAT && scale.rank == 1 && scale.dims[0] == n &&
              bias.dtype == AIMRT_DTYPE_FLOAT && bias.rank == 1 && bias.dims[0] == n &&
              y.dtype == AIMRT_DTYPE_FLOAT && y.rank == x.rank;
    for (int d = 0; ok && d < x.rank; d++)
        ok = y.dims[d] == (d == x.rank - 1 ? n : x.dims[d]);
    if (!ok)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\" at batch %lld: a quantized linear op needs float x "
                               "[..., K], an int32 tile weight [K, N], a float bias [N] or none, "
                               "a float constant w_scale [N] and float y [..., N]",
                               index, op->node, (long long)batch);
    return AIMRT_OK;
}

static bool rectangles_overlap(const program_block *a, const program_block *b)
{
    return a->w_row < b->w_row + b->n_rows && b->w_row < a->w_row + a->n_rows &&
           a->w_col < b->w_col + b->n_cols && b->w_col < a->w_col + a->n_cols;
}

/* Checks one block against its tile (physical columns included), W [k, n]
 * and the op's kind. */
static aimrt_status check_block(const aimrt_program *program, int index, int i, int64_t k,
                                int64_t n, aimrt_error *error)
{
    const program_op *op = &program->ops[index];
    const program_block *b = &op->blocks[i];
    if (b->tile < 0 || b->tile >= program->n_tiles)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": block %d names tile %d of %d", index, op->node, i,
                               b->tile, program->n_tiles);
    const program_tile *tile = &program->tiles[b->tile];
    /* n_cols is bounded by W's columns first, so the physical width cannot overflow. */
    const bool inside_w = b->n_rows >= 1 && b->n_cols >= 1 && b->w_row >= 0 && b->w_col >= 0 &&
                          b->n_rows <= k - b->w_row && b->n_cols <= n - b->w_col;
    const int64_t columns = inside_w ? program_block_columns(op, b) : 0;
    if (!inside_w || b->tile_row < 0 || b->tile_col < 0 || b->n_rows > tile->rows - b->tile_row ||
        columns > tile->cols - b->tile_col)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": block %d (%lldx%lld weights in %lld tile columns at "
                               "tile %d [%lld, %lld], weight [%lld, %lld]) lies outside the "
                               "%lldx%lld tile or the %lldx%lld weight",
                               index, op->node, i, (long long)b->n_rows, (long long)b->n_cols,
                               (long long)columns, b->tile, (long long)b->tile_row,
                               (long long)b->tile_col, (long long)b->w_row, (long long)b->w_col,
                               (long long)tile->rows, (long long)tile->cols, (long long)k,
                               (long long)n);
    const program_kind *kind = &program->kinds[tile->kind];
    const bool kind_ok = op->quantized ? tile->kind == op->plan.kind : kind->weight_bits == 0;
    if (!kind_ok)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": block %d sits on tile %d of kind \"%s\", which is "
                               "not the %s of the op", index, op->node, i, b->tile, kind->name,
                               op->quantized ? "kind of the plan" : "float kind");
    return AIMRT_OK;
}

/* Checks that the blocks lie inside their tiles and inside W [k, n] and that
 * each replica's blocks add up to its area. Up to MAX_BLOCKS_PAIRWISE blocks,
 * it also checks that blocks of one replica do not overlap, which makes each
 * replica cover W exactly once. */
static aimrt_status check_blocks(program_op *op, const aimrt_program *program, int index,
                                 int64_t k, int64_t n, aimrt_error *error)
{
    int32_t max_replica = 0;
    for (int i = 0; i < op->n_blocks; i++) {
        const int32_t r = op->blocks[i].replica;
        if (r < 0 || r >= op->n_blocks)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "op %d \"%s\": block %d has replica %d, outside [0, %d)", index,
                                   op->node, i, r, op->n_blocks);
        max_replica = r > max_replica ? r : max_replica;
    }
    op->n_replicas = max_replica + 1;
    uint64_t *areas = calloc((size_t)op->n_replicas, sizeof *areas);
    if (!areas)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory checking op %d", index);

    aimrt_status status = AIMRT_OK;
    for (int i = 0; i < op->n_blocks && status == AIMRT_OK; i++) {
        const program_block *b = &op->blocks[i];
        status = check_block(program, index, i, k, n, error);
        if (status != AIMRT_OK)
            break;
        areas[b->replica] += (uint64_t)b->n_rows * (uint64_t)b->n_cols;
        for (int j = 0; j < i && op->n_blocks <= MAX_BLOCKS_PAIRWISE; j++) {
            if (op->blocks[j].replica == b->replica && rectangles_overlap(b, &op->blocks[j])) {
                status = aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                         "op %d \"%s\": blocks %d and %d of replica %d cover the "
                                         "same weights", index, op->node, j, i, b->replica);
                break;
            }
        }
    }
    /* Blocks inside W that do not overlap and add up to its area cover it. */
    for (int32_t r = 0; r < op->n_replicas && status == AIMRT_OK; r++) {
        if (areas[r] != (uint64_t)k * (uint64_t)n)
            status = aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                     "op %d \"%s\": the blocks of replica %d cover %llu weights "
                                     "of the %lldx%lld matrix; each replica must cover it once",
                                     index, op->node, r, (unsigned long long)areas[r],
                                     (long long)k, (long long)n);
    }
    free(areas);
    return status;
}

aimrt_status program_check_linear(const aimrt_program *program, int index, aimrt_error *error)
{
    program_op *op = &program->ops[index];
    const program_tensor *w = &program->tensors[op->inputs[1]];
    if (!op->quantized && (op->n_inputs > 3 || w->dtype == AIMRT_DTYPE_INT32))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "op %d \"%s\": a linear op with %d inputs or int32 weights needs "
                               "a plan record (a quantized op)", index, op->node, op->n_inputs);
    aimrt_status status = op->quantized ? check_plan_fields(program, index, error) : AIMRT_OK;
    if (status == AIMRT_OK)
        status = check_blocks(op, program, index, w->dims[0], w->dims[1], error);
    if (status == AIMRT_OK && op->quantized)
        status = check_plan_bounds(program, index, w->dims[0], error);
    if (status == AIMRT_OK && op->quantized)
        status = program_check_calibration(program, index, error);
    return status;
}

aimrt_status program_check_levels(const aimrt_program *program, aimrt_error *error)
{
    for (int32_t t = 0; t < program->n_tiles; t++) {
        const program_tile *tile = &program->tiles[t];
        const program_kind *kind = &program->kinds[tile->kind];
        if (kind->weight_bits == 0)
            continue;
        if (kind->cell_bits < 1 || kind->cell_bits > MAX_CELL_BITS)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "tile %d: kind \"%s\" has %d weight bits but %d cell bits; "
                                   "integer cells need 1 to %d bits",
                                   t, kind->name, kind->weight_bits, kind->cell_bits,
                                   MAX_CELL_BITS);
        const float top = (float)((INT64_C(1) << kind->cell_bits) - 1);
        const int64_t count = tile->rows * tile->cols;
        for (int64_t i = 0; i < count; i++) {
            const float level = tile->levels[i];
            /* The negated test also rejects NaN. */
            if (!(level >= 0.0f && level <= top && level == floorf(level)))
                return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                       "tile %d: cell [%lld, %lld] holds level %g, not an "
                                       "integer in [0, %.0f] for the %d-bit cells of kind \"%s\"",
                                       t, (long long)(i / tile->cols), (long long)(i % tile->cols),
                                       (double)level, (double)top, kind->cell_bits, kind->name);
        }
    }
    return AIMRT_OK;
}
