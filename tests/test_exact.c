/* SPDX-License-Identifier: MIT */
/*
 * Bit-exact tests of quantized LINEAR ops on the exact device. Each case of
 * tests/data/exact (models/gen_exact_refs.py: numpy's reference formula) is
 * built with the IR API, mapped and encoded by the small mapper and encoder
 * here (independent of the compiler's passes), emitted, loaded and run. Its
 * float outputs must equal numpy's bit for bit. Corrupted plans, levels and
 * blocks must be rejected by the loader with a message naming them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test_pipeline.h"
#include "test_support.h"

#include "aimrt/aimrt.h"
#include "backend/emit.h"
#include "ir/ir.h"
#include "ir/target.h"
#include "runtime/program_format.h"

#define MAX_CASES 64
#define MAX_BLOCKS 256

/* One line of cases.txt. */
typedef struct exact_case {
    char name[32];
    char label[160];  /* encoding, input mode and sign, for messages */
    aimrt_linear_plan plan;
    int64_t tile_rows, tile_cols;
    int64_t k, n, vectors;
    int replicas;
    int has_bias;
} exact_case;

/* Arrays of a case, read from its .npy files. */
typedef struct case_data {
    test_tensor x, wq, w_scale, bias, y;
} case_data;

/* A built, emitted program. */
typedef struct built {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    void *bytes;
    size_t size;
    int n_blocks;
} built;

static int lookup(const char *const *names, int count, const char *name)
{
    for (int i = 0; i < count; i++) {
        if (names[i] && strcmp(names[i], name) == 0)
            return i;
    }
    fail_msg("unknown name \"%s\" in cases.txt", name);
    return -1;
}

/* Parses one manifest line. S, P and phases follow docs/tile-lowering.md. */
static void parse_case(const char *line, exact_case *c)
{
    static const char *const encodings[] = {NULL, "differential", "offset", "constant-sum",
                                            "twos-complement"};
    static const char *const modes[] = {NULL, "amplitude", "bit-serial", "pwm"};
    static const char *const signs[] = {"one-pass", "two-pass-analog", "two-pass-digital",
                                        "unsigned"};
    static const char *const ranges[] = {"dynamic", "static"};
    char encoding[32], mode[32], sign[32], range[32];
    int wb, cb, bits;
    double scale;
    long long tr, tc, k, n, v;
    memset(c, 0, sizeof *c);
    assert_int_equal(sscanf(line, "%31s %31s %d %d %31s %31s %d %31s %lf %lld %lld %lld %lld %lld "
                                  "%d %d",
                            c->name, encoding, &wb, &cb, mode, sign, &bits, range, &scale, &tr,
                            &tc, &k, &n, &v, &c->replicas, &c->has_bias),
                     16);
    snprintf(c->label, sizeof c->label, "%s, %s, %s, %s range", encoding, mode, sign, range);
    aimrt_linear_plan *p = &c->plan;
    p->encoding = (aimrt_encoding)lookup(encodings, 5, encoding);
    p->input_mode = (aimrt_input_mode)lookup(modes, 4, mode);
    p->input_sign = (aimrt_input_sign)lookup(signs, 4, sign);
    p->input_range = (aimrt_input_range)lookup(ranges, 2, range);
    p->weight_bits = wb;
    p->cell_bits = cb;
    p->input_bits = bits;
    p->input_scale = (float)scale;
    switch (p->encoding) {
    case AIMRT_ENCODING_DIFFERENTIAL: p->n_slices = (wb - 1 + cb - 1) / cb; p->n_polarities = 2; break;
    case AIMRT_ENCODING_OFFSET: p->n_slices = (wb + cb - 1) / cb; p->n_polarities = 1; break;
    case AIMRT_ENCODING_CONSTANT_SUM: p->n_slices = (wb + cb - 1) / cb; p->n_polarities = 2; break;
    default: p->n_slices = wb; p->n_polarities = 1; break;
    }
    const bool two_pass = p->input_sign == AIMRT_INPUT_TWO_PASS_ANALOG ||
                          p->input_sign == AIMRT_INPUT_TWO_PASS_DIGITAL;
    if (p->input_mode == AIMRT_INPUT_BIT_SERIAL)
        p->n_phases = two_pass ? 2 * (bits - 1) : bits;
    else
        p->n_phases = two_pass ? 2 : 1;
    c->tile_rows = tr;
    c->tile_cols = tc;
    c->k = k;
    c->n = n;
    c->vectors = v;
}

static int read_cases(exact_case *cases)
{
    char path[1024];
    test_source_path(path, sizeof path, "tests/data/exact/cases.txt");
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char line[512];
    int count = 0;
    while (count < MAX_CASES && fgets(line, sizeof line, file))
        parse_case(line, &cases[count++]);
    fclose(file);
    return count;
}

static void read_array(const exact_case *c, const char *key, test_tensor *out)
{
    char relative[128], path[1024], message[512];
    snprintf(relative, sizeof relative, "tests/data/exact/%s.%s.npy", c->name, key);
    test_source_path(path, sizeof path, relative);
    if (test_tensor_read_npy(path, out, message, sizeof message) != AIMCC_OK)
        fail_msg("%s", message);
}

static void read_data(const exact_case *c, case_data *d)
{
    memset(d, 0, sizeof *d);
    read_array(c, "x", &d->x);
    read_array(c, "wq", &d->wq);
    read_array(c, "wscale", &d->w_scale);
    read_array(c, "y", &d->y);
    if (c->has_bias)
        read_array(c, "bias", &d->bias);
}

static void free_data(case_data *d)
{
    test_tensor_free(&d->x);
    test_tensor_free(&d->wq);
    test_tensor_free(&d->w_scale);
    test_tensor_free(&d->y);
    test_tensor_free(&d->bias);
}

/* Returns the tile columns per logical weight column and the reference columns. */
static int64_t columns_per_weight(const aimrt_linear_plan *p, int64_t *refs)
{
    *refs = p->encoding == AIMRT_ENCODING_OFFSET ? p->n_slices : 0;
    return (int64_t)p->n_slices * p->n_polarities;
}

/* Writes the levels of weight w (digit s, polarity p) per encoding. */
static float cell_level(const aimrt_linear_plan *plan, int32_t w, int s, int p)
{
    const int64_t top = (INT64_C(1) << plan->cell_bits) - 1;
    const int shift = s * plan->cell_bits;
    const int64_t offset = INT64_C(1) << (plan->weight_bits - 1);
    switch (plan->encoding) {
    case AIMRT_ENCODING_DIFFERENTIAL: {
        const int64_t digit = ((int64_t)llabs(w) >> shift) & top;
        return (float)((p == 0 ? w > 0 : w < 0) ? digit : 0);
    }
    case AIMRT_ENCODING_OFFSET:
        return (float)(((w + offset) >> shift) & top);
    case AIMRT_ENCODING_CONSTANT_SUM: {
        const int64_t digit = ((w + offset) >> shift) & top;
        return (float)(p == 0 ? digit : top - digit);
    }
    default: {
        const uint64_t wrapped = (uint64_t)(int64_t)w & ((UINT64_C(1) << plan->weight_bits) - 1);
        return (float)((wrapped >> s) & 1);
    }
    }
}

/* Encodes block b of Wq [k, n] onto its tile's levels, reference columns included. */
static void encode_block(const aimrt_linear_plan *plan, const aimcc_tile_block *b,
                         const int32_t *wq, int64_t n, aimcc_tile *tile)
{
    const int S = plan->n_slices, P = plan->n_polarities;
    for (int64_t r = 0; r < b->n_rows; r++) {
        float *row = tile->levels + (b->tile_row + r) * tile->cols + b->tile_col;
        for (int64_t c = 0; c < b->n_cols; c++) {
            const int32_t w = wq[(b->w_row + r) * n + b->w_col + c];
            for (int s = 0; s < S; s++) {
                for (int p = 0; p < P; p++)
                    row[(c * S + s) * P + p] = cell_level(plan, w, s, p);
            }
        }
        for (int s = 0; plan->encoding == AIMRT_ENCODING_OFFSET && s < S; s++)
            row[b->n_cols * S + s] = (float)(((INT64_C(1) << (plan->weight_bits - 1)) >>
                                              (s * plan->cell_bits)) &
                                             ((INT64_C(1) << plan->cell_bits) - 1));
    }
}

/* Splits W into row blocks of the tile's rows and column blocks of as many
 * logical columns as fit, one tile per block and replica. Odd blocks sit at
 * the far corner of their tile so that tile offsets are exercised. */
static int map_blocks(aimcc_module *module, const exact_case *c, aimcc_tile_block *blocks)
{
    int64_t refs;
    const int64_t per_weight = columns_per_weight(&c->plan, &refs);
    const int64_t cols_per_block = (c->tile_cols - refs) / per_weight;
    int count = 0;
    for (int r = 0; r < c->replicas; r++) {
        for (int64_t w_row = 0; w_row < c->k; w_row += c->tile_rows) {
            for (int64_t w_col = 0; w_col < c->n; w_col += cols_per_block) {
                aimcc_tile_block *b = &blocks[count];
                assert_true(count < MAX_BLOCKS);
                b->n_rows = c->k - w_row < c->tile_rows ? c->k - w_row : c->tile_rows;
                b->n_cols = c->n - w_col < cols_per_block ? c->n - w_col : cols_per_block;
                b->w_row = w_row;
                b->w_col = w_col;
                b->replica = r;
                b->tile = aimcc_ir_tile_add(module, 0, c->tile_rows, c->tile_cols);
                assert_true(b->tile >= 0);
                if (count % 2 == 1) {
                    b->tile_row = c->tile_rows - b->n_rows;
                    b->tile_col = c->tile_cols - (b->n_cols * per_weight + refs);
                }
                count++;
            }
        }
    }
    return count;
}

/* A target of one kind that matches the plan. */
static aimcc_target *make_target(aimcc_arena *arena, const exact_case *c)
{
    static const char *const encodings[] = {"signed-float", "differential", "offset",
                                            "constant-sum", "twos-complement"};
    static const char *const modes[] = {"float", "amplitude", "bit-serial", "pwm"};
    aimcc_target *target = aimcc_arena_calloc(arena, 1, sizeof *target);
    aimcc_tile_kind *kind = aimcc_arena_calloc(arena, 1, sizeof *kind);
    const aimrt_linear_plan *p = &c->plan;
    *kind = (aimcc_tile_kind){
        .name = "exact-kind", .domain = AIMCC_DOMAIN_CURRENT, .rows = c->tile_rows,
        .cols = c->tile_cols, .n_tiles = 1024, .cell = "test", .weight_bits = p->weight_bits,
        .cell_bits = p->cell_bits, .encoding = encodings[p->encoding],
        .input_mode = modes[p->input_mode], .input_bits = p->input_bits,
        .input_signed = p->input_sign == AIMRT_INPUT_TWO_PASS_ANALOG   ? "two-pass-analog"
                        : p->input_sign == AIMRT_INPUT_TWO_PASS_DIGITAL ? "two-pass-digital"
                                                                        : "one-pass",
        .adc_range = "lossless", .encoding_code = p->encoding, .input_mode_code = p->input_mode,
        .input_sign_code = p->input_sign == AIMRT_INPUT_UNSIGNED ? AIMRT_INPUT_ONE_PASS
                                                                 : p->input_sign};
    target->name = "exact-test";
    target->json = "{}";
    target->n_kinds = 1;
    target->kinds = kind;
    return target;
}

/* Builds x [1, V, K] (batched) -> quantized linear "fc" -> y, encodes it and emits it. */
static void build_case(const exact_case *c, const case_data *d, built *out)
{
    memset(out, 0, sizeof *out);
    out->arena = aimcc_arena_create();
    out->ctx = aimcc_ctx_create();
    aimcc_module *module = aimcc_ir_module_create(out->arena, "exact");
    module->target = make_target(out->arena, c);
    module->target_name = module->target->name;

    const int64_t k = c->k, n = c->n;
    aimcc_value *x = aimcc_ir_value_add(module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 3,
                                        (const int64_t[]){1, c->vectors, k}, NULL);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(module, x), AIMCC_OK);
    aimcc_value *wq = aimcc_ir_value_add(module, "fc.wq", AIMCC_VALUE_CONST, AIMRT_DTYPE_INT32, 2,
                                         (const int64_t[]){k, n}, d->wq.tensor.data);
    aimcc_value *scale = aimcc_ir_value_add(module, "fc.w_scale", AIMCC_VALUE_CONST,
                                            AIMRT_DTYPE_FLOAT, 1, (const int64_t[]){n},
                                            d->w_scale.tensor.data);
    aimcc_value *bias = c->has_bias ? aimcc_ir_value_add(module, "fc.bias", AIMCC_VALUE_CONST,
                                                         AIMRT_DTYPE_FLOAT, 1,
                                                         (const int64_t[]){n}, d->bias.tensor.data)
                                    : NULL;
    /* Created as a float LINEAR, whose shapes are the same, so that building the
     * test does not depend on the compiler's quantized reference kernel. */
    float *zeros = aimcc_arena_calloc(out->arena, (size_t)(k * n), sizeof *zeros);
    aimcc_value *w = aimcc_ir_value_add(module, "fc.w", AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, 2,
                                        (const int64_t[]){k, n}, zeros);
    aimcc_op *op;
    const char *names[] = {"y"};
    assert_int_equal(aimcc_ir_op_create(out->ctx, module, NULL, AIMRT_OP_LINEAR, "fc", "Gemm", 2,
                                        (aimcc_value *[]){x, w}, 0, NULL, 1, names, &op),
                     AIMCC_OK);
    op->inputs = aimcc_arena_calloc(out->arena, 4, sizeof *op->inputs);
    op->inputs[0] = x;
    op->inputs[1] = wq;
    op->inputs[2] = bias;
    op->inputs[3] = scale;
    op->n_inputs = 4;
    op->plan = aimcc_arena_calloc(out->arena, 1, sizeof *op->plan);
    *op->plan = c->plan;
    assert_int_equal(aimcc_ir_module_add_output(module, op->outputs[0]), AIMCC_OK);

    aimcc_tile_block *blocks = aimcc_arena_calloc(out->arena, MAX_BLOCKS, sizeof *blocks);
    op->n_blocks = map_blocks(module, c, blocks);
    op->blocks = blocks;
    op->n_replicas = c->replicas;
    out->n_blocks = op->n_blocks;
    for (int t = 0; t < module->n_tiles; t++)
        module->tiles[t].levels = aimcc_arena_calloc(
            out->arena, (size_t)(module->tiles[t].rows * module->tiles[t].cols), sizeof(float));
    for (int i = 0; i < op->n_blocks; i++)
        encode_block(&c->plan, &blocks[i], d->wq.tensor.data, n, &module->tiles[blocks[i].tile]);

    if (aimcc_emit_program_bytes(out->ctx, module, &out->bytes, &out->size) != AIMCC_OK)
        fail_msg("%s: emit failed: %s", c->name, aimcc_ctx_diag(out->ctx)->message);
}

static void free_built(built *b)
{
    free(b->bytes);
    aimcc_ctx_destroy(b->ctx);
    aimcc_arena_destroy(b->arena);
}

/* Loads bytes, runs batch samples x on the exact device and returns y (count
 * floats, caller frees). */
/* When set, run_exact clears the device's AIMRT_DEVICE_LINEAR bit, so the
 * runtime sends every input phase as its own MVM instead of merging them. */
static bool split_phases;

static float *run_exact(const char *name, const void *bytes, size_t size, int64_t batch,
                        const float *x, int64_t count)
{
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load(bytes, size, &program, &error) != AIMRT_OK)
        fail_msg("%s: load failed: %s", name, error.message);
    const int32_t n_tiles = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc((size_t)n_tiles + 1, sizeof *tiles);
    aimrt_program_tiles(program, tiles);
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(n_tiles, tiles, &device), AIMRT_OK);
    free(tiles);
    if (split_phases)
        device->flags &= ~AIMRT_DEVICE_LINEAR;

    aimrt_session *session = NULL;
    if (aimrt_session_create(program, device, batch, &session, &error) != AIMRT_OK)
        fail_msg("%s: session failed: %s", name, error.message);
    float *y = calloc((size_t)count, sizeof *y);
    const void *inputs[] = {x};
    void *outputs[] = {y};
    if (aimrt_session_run(session, batch, 0, inputs, outputs, &error) != AIMRT_OK)
        fail_msg("%s: run failed: %s", name, error.message);
    aimrt_session_free(session);
    device->destroy(device->state);
    aimrt_device_free(device);
    aimrt_program_free(program);
    return y;
}

static void test_exact_matches_numpy_references(void **state)
{
    (void)state;
    exact_case cases[MAX_CASES];
    const int n_cases = read_cases(cases);
    assert_int_equal(n_cases, 50);
    for (int i = 0; i < n_cases; i++) {
        const exact_case *c = &cases[i];
        case_data d;
        read_data(c, &d);
        built b;
        build_case(c, &d, &b);
        /* Two samples of the same x: the second runs through the same replicas and
         * must give the same bits. */
        const int64_t count = c->vectors * c->n, x_count = c->vectors * c->k;
        float *x = malloc(2 * (size_t)x_count * sizeof *x);
        memcpy(x, d.x.tensor.data, (size_t)x_count * sizeof *x);
        memcpy(x + x_count, d.x.tensor.data, (size_t)x_count * sizeof *x);
        /* Both the per-phase MVMs and the merged call must give numpy's bits. */
        for (int split = 0; split < 2; split++) {
            split_phases = split == 1;
            float *y = run_exact(c->name, b.bytes, b.size, 2, x, 2 * count);
            split_phases = false;
            const float *expected = d.y.tensor.data;
            int nonzero = 0;
            for (int64_t j = 0; j < 2 * count; j++) {
                uint32_t got, want;
                memcpy(&got, &y[j], 4);
                memcpy(&want, &expected[j % count], 4);
                if (got != want)
                    fail_msg("%s (%s, %d blocks, %s): y[%lld] = %.9g (0x%08x), numpy %.9g "
                             "(0x%08x)",
                             c->name, c->label, b.n_blocks, split ? "phase by phase" : "merged",
                             (long long)j, (double)y[j], got, (double)expected[j % count], want);
                nonzero += y[j] != 0.0f;
            }
            assert_true(nonzero > count); /* not a vacuous comparison */
            free(y);
        }
        free(x);
        free_built(&b);
        free_data(&d);
    }
}

/* Builds x [1, 6, 40] -> float linear on 16x16 tiles (3 row blocks x 2 column
 * blocks per replica) -> y, with the given replicas, and emits it. */
static void build_float(int replicas, const float *w, built *out)
{
    memset(out, 0, sizeof *out);
    out->arena = aimcc_arena_create();
    out->ctx = aimcc_ctx_create();
    aimcc_module *module = aimcc_ir_module_create(out->arena, "float");
    const int64_t k = 40, n = 20;
    aimcc_value *x = aimcc_ir_value_add(module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 3,
                                        (const int64_t[]){1, 6, k}, NULL);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(module, x), AIMCC_OK);
    aimcc_value *wv = aimcc_ir_value_add(module, "fc.w", AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, 2,
                                         (const int64_t[]){k, n}, w);
    aimcc_op *op;
    const char *names[] = {"y"};
    assert_int_equal(aimcc_ir_op_create(out->ctx, module, NULL, AIMRT_OP_LINEAR, "fc", "Gemm", 2,
                                        (aimcc_value *[]){x, wv}, 0, NULL, 1, names, &op),
                     AIMCC_OK);
    assert_int_equal(aimcc_ir_module_add_output(module, op->outputs[0]), AIMCC_OK);
    aimcc_tile_block *blocks = aimcc_arena_calloc(out->arena, MAX_BLOCKS, sizeof *blocks);
    int count = 0;
    for (int r = 0; r < replicas; r++) {
        for (int64_t w_row = 0; w_row < k; w_row += 16) {
            for (int64_t w_col = 0; w_col < n; w_col += 16) {
                blocks[count] = (aimcc_tile_block){
                    .tile = aimcc_ir_tile_add(module, 0, 16, 16), .w_row = w_row,
                    .w_col = w_col, .n_rows = k - w_row < 16 ? k - w_row : 16,
                    .n_cols = n - w_col < 16 ? n - w_col : 16, .replica = r};
                count++;
            }
        }
    }
    op->blocks = blocks;
    op->n_blocks = count;
    op->n_replicas = replicas;
    assert_int_equal(aimcc_emit_program_bytes(out->ctx, module, &out->bytes, &out->size),
                     AIMCC_OK);
}

static void test_exact_float_replicas_agree(void **state)
{
    (void)state;
    float w[40 * 20], x[2 * 6 * 40];
    uint32_t seed = 7;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        seed = seed * 1664525u + 1013904223u;
        w[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    }
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) / 8388608.0f - 1.0f;
    }
    built one, three;
    build_float(1, w, &one);
    build_float(3, w, &three);
    float *y_one = run_exact("1 replica", one.bytes, one.size, 2, x, 2 * 6 * 20);
    float *y_three = run_exact("3 replicas", three.bytes, three.size, 2, x, 2 * 6 * 20);
    /* Every replica has the same weights, so only float summation order may differ. */
    for (int i = 0; i < 2 * 6 * 20; i++) {
        double expected = 0;
        for (int j = 0; j < 40; j++)
            expected += (double)x[i / 20 * 40 + j] * w[j * 20 + i % 20];
        assert_float_equal(y_one[i], expected, 1e-5);
        assert_float_equal(y_three[i], y_one[i], 1e-6);
    }
    free(y_one);
    free(y_three);
    free_built(&one);
    free_built(&three);
}

static void test_exact_device_sums_above_float(void **state)
{
    (void)state;
    /* 300 rows of 8-bit cells driven by 16-bit inputs: sums near 5e9, where
     * float keeps only every 512th integer. */
    enum { rows = 300 };
    const aimrt_tile_desc desc = {.tile = 0, .kind = 0, .rows = rows, .cols = 2, .cell_bits = 8};
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(1, &desc, &device), AIMRT_OK);
    float levels[rows * 2], x[rows];
    int64_t expected[2] = {0, 0};
    for (int r = 0; r < rows; r++) {
        levels[2 * r] = 255.0f;
        levels[2 * r + 1] = (float)(254 + r % 2);
        x[r] = (float)(65535 - r % 3);
        expected[0] += (int64_t)x[r] * 255;
        expected[1] += (int64_t)x[r] * (254 + r % 2);
    }
    assert_int_equal(device->write_tile(device->state, &desc, levels), AIMRT_OK);
    double y[2];
    const int64_t index = 0;
    assert_int_equal(device->mvm(device->state, 0, 0, rows, 0, 2, 1, x, y, &index, &index),
                     AIMRT_OK);
    assert_true(expected[0] > (INT64_C(1) << 32));
    assert_true(y[0] == (double)expected[0]);
    assert_true(y[1] == (double)expected[1]);

    /* Small binary inputs take the float path and give the same integers. */
    for (int r = 0; r < rows; r++)
        x[r] = (float)(r % 2);
    assert_int_equal(device->mvm(device->state, 0, 0, rows, 0, 2, 1, x, y, &index, &index),
                     AIMRT_OK);
    assert_true(y[0] == 150.0 * 255.0);
    assert_true(y[1] == 150.0 * 255.0);
    device->destroy(device->state);
    aimrt_device_free(device);
}

/* ---- corrupted programs ---- */

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t section_offset(const uint8_t *image, int id)
{
    const uint8_t *entry = image + 32 + 24 * (id - 1) + 8;
    return get_u32(entry) | (uint64_t)get_u32(entry + 4) << 32;
}

static void fix_crc(uint8_t *image, size_t size)
{
    put_u32(image + 12, 0);
    put_u32(image + 12, (uint32_t)crc32(0L, image, (uInt)size));
}

/* Expects the patched copy to be rejected with a message containing expected. */
static void expect_rejected(uint8_t *copy, size_t size, const char *expected)
{
    fix_crc(copy, size);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    const aimrt_status status = aimrt_program_load(copy, size, &program, &error);
    aimrt_program_free(program);
    if (status != AIMRT_ERR_INVALID_PROGRAM || !strstr(error.message, expected))
        fail_msg("expected a rejection naming \"%s\", got status %d: %s", expected, status,
                 error.message);
}

/* Builds case 0 of cases.txt (2 blocks) and returns the offsets of its plan
 * record and first block. */
typedef struct corrupt_fixture {
    exact_case c;
    case_data d;
    built b;
    uint64_t plan;
    uint64_t block0;
} corrupt_fixture;

static int setup_corrupt(void **state)
{
    corrupt_fixture *f = calloc(1, sizeof *f);
    exact_case cases[MAX_CASES];
    read_cases(cases);
    f->c = cases[0];
    read_data(&f->c, &f->d);
    build_case(&f->c, &f->d, &f->b);
    /* Code header 32, one input id and one output pair padded to 16, then the
     * op: header 32, five tensor ids padded to 24, no attributes, the blocks. */
    const uint64_t code = section_offset(f->b.bytes, AIMRT_SECTION_CODE);
    f->block0 = code + 32 + 16 + 32 + 24;
    f->plan = f->block0 + (uint64_t)f->b.n_blocks * AIMRT_BLOCK_RECORD_SIZE;
    *state = f;
    return 0;
}

static int teardown_corrupt(void **state)
{
    corrupt_fixture *f = *state;
    free_built(&f->b);
    free_data(&f->d);
    free(f);
    return 0;
}

static void test_exact_rejects_corrupted_plan(void **state)
{
    corrupt_fixture *f = *state;
    const struct {
        uint64_t field;
        uint32_t value;
        const char *expected;
    } cases[] = {
        {0, 3, "op 0 \"fc\": plan (kind 3"},                       /* kind out of range */
        {4, 9, "an enum is out of range"},                         /* encoding */
        {4, AIMRT_ENCODING_OFFSET, "differ from its tile kind"},   /* not the kind's */
        {16, 3, "S, P or phases do not follow"},                   /* slices */
        {20, 1, "S, P or phases do not follow"},                   /* polarities */
        {24, AIMRT_INPUT_FLOAT, "an enum is out of range"},        /* input mode */
        {28, 4, "an enum is out of range"},                        /* input sign */
        {28, AIMRT_INPUT_TWO_PASS_ANALOG, "neither the kind's nor unsigned"},
        {36, 2, "S, P or phases do not follow"},                   /* phases */
        {40, 2, "an enum is out of range"},                        /* range */
        {40, AIMRT_RANGE_STATIC, "finite input scale > 0"},        /* static, scale 0 */
    };
    uint8_t *copy = malloc(f->b.size);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, f->b.bytes, f->b.size);
        put_u32(copy + f->plan + cases[i].field, cases[i].value);
        expect_rejected(copy, f->b.size, cases[i].expected);
    }
    /* A static range with a NaN scale. */
    memcpy(copy, f->b.bytes, f->b.size);
    put_u32(copy + f->plan + 40, AIMRT_RANGE_STATIC);
    put_u32(copy + f->plan + 44, 0x7fc00000u);
    expect_rejected(copy, f->b.size, "finite input scale > 0");
    /* The plan flag of the op header only takes 0 and 1. */
    memcpy(copy, f->b.bytes, f->b.size);
    put_u32(copy + f->block0 - 24 - 4, 2);
    expect_rejected(copy, f->b.size, "plan flag 2");
    free(copy);
}

static void test_exact_rejects_bad_levels(void **state)
{
    corrupt_fixture *f = *state;
    const uint64_t tiles = section_offset(f->b.bytes, AIMRT_SECTION_TILES);
    const uint8_t *record = (const uint8_t *)f->b.bytes + tiles;
    const uint64_t levels = tiles + get_u32(record + 24);
    const float bad[] = {4.0f, -1.0f, 0.5f, NAN, INFINITY};  /* 2-bit cells: 0 .. 3 */
    uint8_t *copy = malloc(f->b.size);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(copy, f->b.bytes, f->b.size);
        memcpy(copy + levels + 4 * 5, &bad[i], 4);
        expect_rejected(copy, f->b.size, "tile 0: cell [0, 5]");
    }
    free(copy);
}

static void test_exact_rejects_bad_blocks(void **state)
{
    corrupt_fixture *f = *state;
    uint8_t *copy = malloc(f->b.size);
    const uint64_t block1 = f->block0 + AIMRT_BLOCK_RECORD_SIZE;

    /* Block 0 has 4 logical columns in 32 tile columns, so at column 1 they overflow. */
    memcpy(copy, f->b.bytes, f->b.size);
    put_u32(copy + f->block0 + 16, 1);
    expect_rejected(copy, f->b.size, "op 0 \"fc\": block 0 (63x4 weights in 32 tile columns");

    /* Moving block 1 to replica 1 leaves replica 0 short of W and replica 1 too. */
    memcpy(copy, f->b.bytes, f->b.size);
    put_u32(copy + block1 + 4, 1);
    expect_rejected(copy, f->b.size, "the blocks of replica 0 cover 252 weights");

    /* A replica index beyond the block count. */
    memcpy(copy, f->b.bytes, f->b.size);
    put_u32(copy + block1 + 4, 7);
    expect_rejected(copy, f->b.size, "block 1 has replica 7");
    free(copy);
}

/* Returns what aimrt_program_describe prints; the caller frees it. */
static char *describe(const built *b, int json)
{
    aimrt_program *program = NULL;
    assert_int_equal(aimrt_program_load(b->bytes, b->size, &program, NULL), AIMRT_OK);
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_int_equal(aimrt_program_describe(program, out, json), AIMRT_OK);
    fclose(out);
    aimrt_program_free(program);
    return text;
}

static void test_exact_inspect_shows_plan(void **state)
{
    corrupt_fixture *f = *state;
    /* Case 0: 63x5 weights, 8-bit differential on 2-bit cells (S 4, P 2): 4 logical
     * columns (32 tile columns) on tile 0, 1 (8 columns) at the far corner of tile 1. */
    char *text = describe(&f->b, 0);
    assert_non_null(strstr(text, "plan: kind 0, differential, weight_bits=8 cell_bits=2 slices=4 "
                                 "polarities=2, input amplitude one-pass bits=8 phases=1, range "
                                 "dynamic, 1 replica"));
    assert_non_null(strstr(text, "2 blocks on 2 tiles, 2520 of 4096 cells used (61.5%)"));
    assert_non_null(strstr(text, "W[0:63, 0:4] -> @0[0:63, 0:32]"));
    assert_non_null(strstr(text, "W[0:63, 4:5] -> @1[1:64, 24:32]"));
    assert_non_null(strstr(text, "@0 kind 0 64x32, 2016 cells used (98.4%): \"fc\""));
    assert_non_null(strstr(text, "@1 kind 0 64x32, 504 cells used (24.6%): \"fc\""));
    assert_non_null(strstr(text, "input=amplitude input_bits=8 input_signed=one-pass"));
    free(text);

    char *json = describe(&f->b, 1);
    assert_non_null(strstr(json, "\"plan\":{\"kind\":0,\"encoding\":\"differential\","
                                 "\"weight_bits\":8,\"cell_bits\":2,\"slices\":4"));
    assert_non_null(strstr(json, "{\"tile\":1,\"tile_row\":1,\"tile_col\":24,\"rows\":63,"
                                 "\"cols\":1,\"tile_cols\":8,\"w_row\":0,\"w_col\":4,"
                                 "\"replica\":0}"));
    assert_non_null(strstr(json, "{\"id\":1,\"kind\":0,\"rows\":64,\"cols\":32,"
                                 "\"cells_used\":504,\"utilization\":0.246094,"
                                 "\"layers\":[\"fc\"]}"));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_matches_numpy_references),
        cmocka_unit_test(test_exact_float_replicas_agree),
        cmocka_unit_test(test_exact_device_sums_above_float),
        cmocka_unit_test_setup_teardown(test_exact_rejects_corrupted_plan, setup_corrupt,
                                        teardown_corrupt),
        cmocka_unit_test_setup_teardown(test_exact_rejects_bad_levels, setup_corrupt,
                                        teardown_corrupt),
        cmocka_unit_test_setup_teardown(test_exact_rejects_bad_blocks, setup_corrupt,
                                        teardown_corrupt),
        cmocka_unit_test_setup_teardown(test_exact_inspect_shows_plan, setup_corrupt,
                                        teardown_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
