/* SPDX-License-Identifier: MIT */
/*
 * Tests of the binary program format: the backend writes a module built
 * through the IR API, the runtime loads it, and the bytes are checked against
 * the layout in docs/program-format.md. Corrupted programs (header fields,
 * truncation, random flips with a fixed seed) must be rejected with a reason.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "test_pipeline.h"
#include "test_support.h"

#include "aimrt/aimrt.h"
#include "backend/emit.h"
#include "ir/ir.h"
#include "runtime/program_format.h"
#include "runtime/program_internal.h"

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
    aimcc_op *linear;
    int64_t k;          /* weight rows (inputs) */
    int64_t n;          /* weight columns (outputs) */
    int64_t side;       /* tile rows and columns */
    float *w;
    float *bias;
    void *bytes;
    size_t size;
} fixture;

/* A fixed linear congruential sequence in [-scale, scale). */
static float next_value(uint32_t *state, float scale)
{
    *state = *state * 1664525u + 1013904223u;
    return scale * ((float)(*state >> 8) / 8388608.0f - 1.0f);
}

/* Builds x [batch, k] -> linear (k x n weight on two side x side tiles, rows
 * split at side, the second block at tile 1 [side / 5, side / 10]) -> relu -> y,
 * and emits it to bytes. */
static fixture *build_mlp(int64_t k, int64_t n, int64_t side)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->k = k;
    f->n = n;
    f->side = side;
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    f->module = aimcc_ir_module_create(f->arena, "mlp");
    assert_non_null(f->module);

    f->w = malloc((size_t)(k * n) * sizeof *f->w);
    f->bias = malloc((size_t)n * sizeof *f->bias);
    uint32_t seed = 12345;
    for (int64_t i = 0; i < k * n; i++)
        f->w[i] = next_value(&seed, 0.1f);
    for (int64_t i = 0; i < n; i++)
        f->bias[i] = next_value(&seed, 0.5f);

    aimcc_value *x = aimcc_ir_value_add(f->module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 2,
                                        (const int64_t[]){1, k}, NULL);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    aimcc_value *w = aimcc_ir_value_add(f->module, "fc.weight", AIMCC_VALUE_CONST,
                                        AIMRT_DTYPE_FLOAT, 2, (const int64_t[]){k, n}, f->w);
    aimcc_value *b = aimcc_ir_value_add(f->module, "fc.bias", AIMCC_VALUE_CONST,
                                        AIMRT_DTYPE_FLOAT, 1, (const int64_t[]){n}, f->bias);
    aimcc_value *linear_inputs[] = {x, w, b};
    const char *linear_names[] = {"fc_out"};
    assert_int_equal(aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_LINEAR, "fc", "Gemm", 3,
                                        linear_inputs, 0, NULL, 1, linear_names, &f->linear),
                     AIMCC_OK);

    const int t0 = aimcc_ir_tile_add(f->module, 0, side, side);
    const int t1 = aimcc_ir_tile_add(f->module, 0, side, side);
    aimcc_tile_block *blocks = aimcc_arena_calloc(f->arena, 2, sizeof *blocks);
    blocks[0] = (aimcc_tile_block){t0, 0, 0, 0, 0, side, n};
    blocks[1] = (aimcc_tile_block){t1, side / 5, side / 10, side, 0, k - side, n};
    f->linear->blocks = blocks;
    f->linear->n_blocks = 2;

    aimcc_op *relu;
    const char *relu_names[] = {"y"};
    assert_int_equal(aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_RELU, "relu", "Relu", 1,
                                        f->linear->outputs, 0, NULL, 1, relu_names, &relu),
                     AIMCC_OK);
    assert_int_equal(aimcc_ir_module_add_output(f->module, relu->outputs[0]), AIMCC_OK);

    assert_int_equal(aimcc_emit_program_bytes(f->ctx, f->module, &f->bytes, &f->size), AIMCC_OK);
    return f;
}

/* 600 x 300 weights on 512 x 512 tiles: two row blocks with partial sums. */
static int setup_mlp(void **state)
{
    *state = build_mlp(600, 300, 512);
    return 0;
}

/* The same structure on 16 x 16 tiles, small enough to corrupt thousands of times. */
static int setup_small(void **state)
{
    *state = build_mlp(20, 10, 16);
    return 0;
}

static int teardown_mlp(void **state)
{
    fixture *f = *state;
    free(f->bytes);
    free(f->w);
    free(f->bias);
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Recomputes the CRC-32 at offset 12 so that a corruption reaches the checks after it. */
static void fix_crc(uint8_t *image, size_t size)
{
    if (size < 16)
        return;
    put_u32(image + 12, 0);
    put_u32(image + 12, (uint32_t)crc32(0L, image, (uInt)size));
}

/* Offset of section id (1-based) from the section table. */
static uint64_t section_offset(const uint8_t *image, int id)
{
    return get_u64(image + 32 + 24 * (id - 1) + 8);
}

/* Loads a copy of bytes and expects AIMRT_ERR_INVALID_PROGRAM with a reason containing text. */
static void expect_rejected(const uint8_t *bytes, size_t size, const char *text)
{
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    const aimrt_status status = aimrt_program_load(bytes, size, &program, &error);
    if (status != AIMRT_ERR_INVALID_PROGRAM || (text && !strstr(error.message, text)))
        fail_msg("expected rejection naming \"%s\", got status %d: %s", text ? text : "",
                 (int)status, error.message);
    assert_null(program);
    assert_true(strlen(error.message) > 0);
    assert_null(strchr(error.message, '\n'));
}

static void test_program_header_layout(void **state)
{
    fixture *f = *state;
    const uint8_t *image = f->bytes;

    assert_memory_equal(image, "AIMC", 4);
    assert_int_equal(get_u32(image + 4), 2);
    assert_int_equal(get_u32(image + 8), 0);
    assert_int_equal(get_u64(image + 16), f->size);
    assert_int_equal(get_u32(image + 24), 8);
    assert_int_equal(get_u32(image + 28), 256);

    /* The CRC is zlib's crc32 of the file with the field zeroed. */
    uint8_t *copy = malloc(f->size);
    memcpy(copy, image, f->size);
    put_u32(copy + 12, 0);
    assert_int_equal(get_u32(image + 12), (uint32_t)crc32(0L, copy, (uInt)f->size));
    free(copy);

    for (int id = 1; id <= 8; id++) {
        const uint8_t *entry = image + 32 + 24 * (id - 1);
        assert_int_equal(get_u32(entry), id);
        assert_int_equal(get_u64(entry + 8) % 64, 0);
        assert_true(get_u64(entry + 8) + get_u64(entry + 16) <= f->size);
    }
    /* Tensors x, weight, bias, fc_out, y; one op list of two; two tiles. */
    assert_int_equal(get_u32(image + 32 + 24 * 1 + 4), 5);
    assert_int_equal(get_u32(image + 32 + 24 * 3 + 4), 2);
    assert_int_equal(get_u32(image + 32 + 24 * 5 + 4), 2);
}

static void test_program_tile_levels_placed(void **state)
{
    fixture *f = *state;
    const uint8_t *tiles = (const uint8_t *)f->bytes + section_offset(f->bytes, 4);

    /* Tile records: kind, flags, rows, cols, levels offset. */
    assert_int_equal(get_u32(tiles), 0);
    assert_int_equal(get_u64(tiles + 8), 512);
    assert_int_equal(get_u64(tiles + 16), 512);
    const float *levels0 = (const float *)(tiles + get_u64(tiles + 24));
    const float *levels1 = (const float *)(tiles + get_u64(tiles + 32 + 24));

    /* Block 0: W[0:512, 0:300] at tile 0 [0, 0]; block 1: W[512:600, :] at tile 1 [102, 51]. */
    const int64_t n = f->n;
    assert_true(levels0[7 * 512 + 13] == f->w[7 * n + 13]);
    assert_true(levels0[511 * 512 + 299] == f->w[511 * n + 299]);
    assert_true(levels0[3 * 512 + 300] == 0.0f);
    assert_true(levels1[102 * 512 + 51] == f->w[512 * n + 0]);
    assert_true(levels1[(102 + 87) * 512 + 51 + 299] == f->w[599 * n + 299]);
    assert_true(levels1[101 * 512 + 51] == 0.0f);
    assert_true(levels1[102 * 512 + 50] == 0.0f);
}

static void test_program_load_io_and_tiles(void **state)
{
    fixture *f = *state;
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(f->bytes, f->size, &program, &error), AIMRT_OK);

    assert_int_equal(aimrt_program_n_inputs(program), 1);
    assert_int_equal(aimrt_program_n_outputs(program), 1);
    aimrt_io_info info;
    assert_int_equal(aimrt_program_input(program, 0, &info), AIMRT_OK);
    assert_string_equal(info.name, "x");
    assert_int_equal(info.rank, 2);
    assert_int_equal(info.dims[0], 1);
    assert_int_equal(info.dims[1], f->k);
    assert_true(info.batched);
    assert_int_equal(aimrt_program_output(program, 0, &info), AIMRT_OK);
    assert_string_equal(info.name, "y");
    assert_int_equal(info.dims[1], f->n);
    assert_int_equal(aimrt_program_output(program, 1, &info), AIMRT_ERR_INVALID_ARG);

    assert_int_equal(aimrt_program_n_tiles(program), 2);
    aimrt_tile_desc desc;
    assert_int_equal(aimrt_program_tile(program, 1, &desc), AIMRT_OK);
    assert_int_equal(desc.tile, 1);
    assert_int_equal(desc.kind, 0);
    assert_int_equal(desc.rows, 512);
    assert_int_equal(desc.cols, 512);
    assert_int_equal(aimrt_program_tile(program, 2, &desc), AIMRT_ERR_INVALID_ARG);
    aimrt_program_free(program);
}

/* Returns the text aimrt_program_describe prints; the caller frees it. */
static char *describe(const void *bytes, size_t size, int json)
{
    aimrt_program *program = NULL;
    assert_int_equal(aimrt_program_load(bytes, size, &program, NULL), AIMRT_OK);
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_int_equal(aimrt_program_describe(program, out, json), AIMRT_OK);
    fclose(out);
    aimrt_program_free(program);
    return text;
}

static void test_program_describe_utilization(void **state)
{
    fixture *f = *state;
    /* 600 x 300 weights on two 512 x 512 tiles: 180000 of 524288 cells. */
    char *text = describe(f->bytes, f->size, 0);
    assert_non_null(strstr(text, "linear \"fc\" (Gemm)"));
    assert_non_null(strstr(text, "2 blocks on 2 tiles, 180000 of 524288 cells used (34.3%)"));
    assert_non_null(strstr(text, "W[512:600, 0:300] -> @1[102:190, 51:351]"));
    assert_non_null(strstr(text, "compiler_version: "));
    free(text);

    char *json = describe(f->bytes, f->size, 1);
    assert_int_equal(json[0], '{');
    assert_non_null(strstr(json, "\"cells_used\":180000,\"cells_available\":524288"));
    assert_non_null(strstr(json, "\"tiles\":{\"count\":2,\"used\":2,\"cells_used\":180000,"
                                 "\"cells_total\":524288"));
    assert_non_null(strstr(json, "\"shape\":[1,600]"));
    free(json);
}

static void test_program_crc_mismatch(void **state)
{
    fixture *f = *state;
    uint8_t *copy = malloc(f->size);
    memcpy(copy, f->bytes, f->size);
    copy[f->size / 2] ^= 0x40;
    expect_rejected(copy, f->size, "CRC-32 mismatch");
    free(copy);
}

typedef struct header_case {
    size_t offset;
    int width;       /* 4 or 8 bytes */
    uint64_t value;
    const char *reason;
} header_case;

/* A version 1 file is a version 2 file without section 8: it loads, and
 * every kind keeps the registry's fallbacks. */
static void test_program_version_1_loads(void **state)
{
    fixture *f = *state;
    uint8_t *copy = malloc(f->size);
    memcpy(copy, f->bytes, f->size);
    const uint8_t *entry8 = copy + 32 + 24 * 7;
    assert_int_equal(get_u32(entry8 + 4), 0);
    assert_int_equal(get_u64(entry8 + 16), 0);
    put_u32(copy + 4, 1);
    put_u32(copy + 24, 7);
    memset(copy + 32 + 24 * 7, 0, 24);
    fix_crc(copy, f->size);

    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(copy, f->size, &program, &error), AIMRT_OK);
    assert_int_equal(program->version, 1);
    assert_false(program->kinds[0].params.given[AIMRT_PARAM_G_MAX]);
    assert_true(program->kinds[0].params.value[AIMRT_PARAM_G_MAX] ==
                aimrt_param_get(AIMRT_PARAM_G_MAX)->fallback);
    aimrt_program_free(program);
    free(copy);
}

/* Compiles the 64 x 16 MatMul of tests/data/drift for pcm-current: its op
 * carries adc_range (input 6), one range per tile column. */
static void test_program_calibration_inputs_checked(void **state)
{
    (void)state;
    char model[1024];
    test_source_path(model, sizeof model, "tests/data/drift/matmul.onnx");
    aimcc_options options = {0};
    options.target = "pcm-current";
    test_program compiled;
    if (test_compile_file(model, &options, &compiled) != AIMCC_OK)
        fail_msg("compile failed: %s", compiled.message);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(compiled.bytes, compiled.size, &program, &error),
                     AIMRT_OK);
    const program_op *op = &program->ops[0];
    assert_int_equal(op->n_inputs, 7);
    const int32_t id = op->inputs[AIMRT_LINEAR_ADC_RANGE];
    assert_true(id >= 0);
    /* 16 outputs on a differential pair: 32 tile columns. */
    assert_int_equal(program->tensors[id].dims[0], 32);
    const uint64_t record = section_offset(compiled.bytes, 2) + (uint64_t)id * 104;
    const uint64_t data = section_offset(compiled.bytes, 5) + program->tensors[id].data_offset;
    aimrt_program_free(program);

    uint8_t *copy = malloc(compiled.size);
    const struct {
        float value;     /* written at element 3, unless shrink */
        bool shrink;     /* declare 31 ranges instead of 32 */
        const char *reason;
    } cases[] = {
        {NAN, false, "element 3 is nan"},
        {-1.0f, false, "element 3 is -1"},
        {0.0f, true, "must be a float constant [32]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, compiled.bytes, compiled.size);
        if (cases[i].shrink) {
            put_u64(copy + record + 24, 31);
            put_u64(copy + record + 96, 31 * 4);
        } else {
            aimrt_put_f32(copy + data + 12, cases[i].value);
        }
        fix_crc(copy, compiled.size);
        expect_rejected(copy, compiled.size, cases[i].reason);
        expect_rejected(copy, compiled.size, "op 0 \"fc\": input 6 adc_range");
    }
    free(copy);
    test_program_free(&compiled);
}

static void test_program_header_fields_rejected(void **state)
{
    fixture *f = *state;
    const header_case cases[] = {
        {0, 4, 0x434d4941u ^ 1u, "magic"},
        {4, 4, 3, "format version 3"},
        {4, 4, 0, "format version 0"},
        /* A version 1 program has 7 sections; this one keeps its 8. */
        {4, 4, 1, "expected 7 and 256 for version 1"},
        {8, 4, 1, "unknown flags"},
        {16, 8, 1000, "file size field is 1000"},
        {24, 4, 7, "7 sections"},
        {28, 4, 128, "128-byte header"},
        {32, 4, 3, "entry 0 has id 3"},
        {32 + 8, 8, 100, "section strings: offset 100"},
        {32 + 24 + 8, 8, 64, "section tensors: offset 64"},
        {32 + 24 + 16, 8, UINT64_MAX - 10, "section tensors"},
        {32 + 24 + 4, 4, 4, "section tensors: length"},
        {32 + 24 * 5 + 4, 4, 3, "table says 3"},
        {32 + 24 * 6 + 4, 4, 1000, "section metadata"},
        {32 + 4, 4, 1, "section strings: holds"},
    };
    uint8_t *copy = malloc(f->size);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, f->bytes, f->size);
        if (cases[i].width == 4)
            put_u32(copy + cases[i].offset, (uint32_t)cases[i].value);
        else
            put_u64(copy + cases[i].offset, cases[i].value);
        fix_crc(copy, f->size);
        expect_rejected(copy, f->size, cases[i].reason);
    }

    /* Two sections that share bytes. */
    memcpy(copy, f->bytes, f->size);
    put_u64(copy + 32 + 24 * 6 + 8, section_offset(copy, 6));
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "overlap");
    free(copy);
}

static void test_program_truncated_rejected(void **state)
{
    fixture *f = *state;
    uint8_t *copy = malloc(f->size);
    for (size_t length = 0; length < f->size; length += length < 512 ? 1 : length / 16) {
        expect_rejected(f->bytes, length, NULL);

        /* With the size field and CRC made consistent, the section checks must catch it. */
        memcpy(copy, f->bytes, length);
        if (length >= 256) {
            put_u64(copy + 16, length);
            fix_crc(copy, length);
        }
        expect_rejected(copy, length, NULL);
    }
    free(copy);
}

static void test_program_random_flips_rejected(void **state)
{
    fixture *f = *state;
    uint8_t *copy = malloc(f->size);
    uint32_t seed = 2024;
    int accepted = 0;

    /* Flips land anywhere outside the tile levels, where any float is valid,
     * and the CRC is fixed so that every check behind it is exercised. */
    const uint64_t tiles_offset = section_offset(f->bytes, 4);
    const uint64_t constants_offset = section_offset(f->bytes, 5);
    for (int trial = 0; trial < 3000; trial++) {
        memcpy(copy, f->bytes, f->size);
        const int n_flips = 1 + trial % 4;
        for (int i = 0; i < n_flips; i++) {
            seed = seed * 1664525u + 1013904223u;
            size_t at = (seed >> 8) % f->size;
            if (at >= tiles_offset + 64 && at < constants_offset)
                at = 16 + at % 240;
            seed = seed * 1664525u + 1013904223u;
            copy[at] ^= (uint8_t)(1u << ((seed >> 16) % 8));
        }
        if (trial % 8 != 7)
            fix_crc(copy, f->size);

        aimrt_program *program = NULL;
        aimrt_error error = {0};
        const aimrt_status status = aimrt_program_load(copy, f->size, &program, &error);
        if (status == AIMRT_OK) {
            accepted++;
            aimrt_program_free(program);
            continue;
        }
        assert_int_equal(status, AIMRT_ERR_INVALID_PROGRAM);
        assert_true(strlen(error.message) > 0);
    }
    /* A flip in a name, a constant or padding may be harmless, but most are not. */
    assert_true(accepted < 3000);
    free(copy);
}

/* Patches the first op's opcode (code section offset 32 + ids) and expects a reason. */
static void test_program_semantic_errors_named(void **state)
{
    fixture *f = *state;
    uint8_t *copy = malloc(f->size);
    const uint64_t code = section_offset(f->bytes, 6);
    /* Code header 32 bytes, 1 input id, 1 output (id, name), padded: 16 bytes. */
    const uint64_t op0 = code + 32 + 16;
    const uint64_t tensors = section_offset(f->bytes, 2);

    memcpy(copy, f->bytes, f->size);
    put_u32(copy + op0, 46);
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "op 0: opcode 46");

    /* Tensor 0 is x; dtype 8 (string) is not supported. */
    memcpy(copy, f->bytes, f->size);
    put_u32(copy + tensors + 4, 8);
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "tensor 0 \"x\": dtype 8");

    /* Rank 9 exceeds AIMRT_MAX_RANK. */
    memcpy(copy, f->bytes, f->size);
    put_u32(copy + tensors + 12, 9);
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "tensor 0 \"x\"");

    /* Op 0 (linear) has 3 inputs and 1 output: ids padded to 16 bytes, no attributes,
     * then block 0 and block 1. Move block 1 past the bottom of its tile. */
    const uint64_t block1 = op0 + 32 + 16 + 56;
    memcpy(copy, f->bytes, f->size);
    put_u64(copy + block1 + 8, 500);
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "op 0 \"fc\": block 1");

    /* Block 1 moved to weight row 0 covers rows that block 0 holds. */
    memcpy(copy, f->bytes, f->size);
    put_u64(copy + block1 + 24, 0);
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "op 0 \"fc\": blocks 0 and 1 of replica 0 cover the same");

    /* The relu reads tensor 3; point its input at the output tensor it writes. */
    const uint64_t op1 = block1 + 56;
    memcpy(copy, f->bytes, f->size);
    put_u32(copy + op1 + 32, get_u32(copy + op1 + 36));
    fix_crc(copy, f->size);
    expect_rejected(copy, f->size, "op 1 \"relu\": input 0");
    free(copy);
}

static void test_program_read_before_write(void **state)
{
    fixture *f = *state;
    /* Swap the two ops in the list so the relu runs before the linear op. */
    aimcc_module *module = f->module;
    aimcc_op *linear = module->first, *relu = linear->next;
    module->first = relu;
    module->last = linear;
    relu->prev = NULL;
    relu->next = linear;
    linear->prev = relu;
    linear->next = NULL;

    void *bytes = NULL;
    size_t size = 0;
    assert_int_equal(aimcc_emit_program_bytes(f->ctx, module, &bytes, &size), AIMCC_OK);
    expect_rejected(bytes, size, "op 0 \"relu\": input 0 names tensor");
    free(bytes);
}

static void test_emit_unmapped_linear_rejected(void **state)
{
    fixture *f = *state;
    f->linear->n_blocks = 0;
    void *bytes = NULL;
    size_t size = 0;
    assert_int_equal(aimcc_emit_program_bytes(f->ctx, f->module, &bytes, &size),
                     AIMCC_ERR_INTERNAL);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_string_equal(diag->node, "fc");
    assert_non_null(strstr(diag->message, "map pass"));
    assert_null(bytes);
}

static void test_emit_block_outside_tile(void **state)
{
    fixture *f = *state;
    f->linear->blocks[1].tile_row = f->side - 1;  /* the block's rows run past the tile */
    void *bytes = NULL;
    size_t size = 0;
    assert_int_equal(aimcc_emit_program_bytes(f->ctx, f->module, &bytes, &size),
                     AIMCC_ERR_INTERNAL);
    assert_string_equal(aimcc_ctx_diag(f->ctx)->node, "fc");
    assert_non_null(strstr(aimcc_ctx_diag(f->ctx)->message, "tile block 1"));
}

static void test_emit_file_atomic(void **state)
{
    fixture *f = *state;
    char folder[] = "/tmp/aimcc-test-program-XXXXXX";
    assert_non_null(mkdtemp(folder));
    char path[256];
    snprintf(path, sizeof path, "%s/mlp.aimc", folder);

    assert_int_equal(aimcc_emit_program(f->ctx, f->module, path), AIMCC_OK);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load_file(path, &program, &error), AIMRT_OK);
    aimrt_program_free(program);

    /* Only the program is left in the folder: the temporary file was renamed. */
    DIR *dir = opendir(folder);
    int n_files = 0;
    for (struct dirent *entry; (entry = readdir(dir));)
        n_files += entry->d_name[0] != '.';
    closedir(dir);
    assert_int_equal(n_files, 1);

    /* A corrupted file names itself and the failed check. */
    FILE *file = fopen(path, "r+b");
    fseek(file, 300, SEEK_SET);
    fputc(0xff, file);
    fclose(file);
    assert_int_equal(aimrt_program_load_file(path, &program, &error), AIMRT_ERR_INVALID_PROGRAM);
    assert_non_null(strstr(error.message, path));
    assert_non_null(strstr(error.message, "CRC-32 mismatch"));
    unlink(path);
    rmdir(folder);

    /* A missing folder is an I/O error that names the path. */
    snprintf(path, sizeof path, "%s/missing/mlp.aimc", folder);
    assert_int_equal(aimcc_emit_program(f->ctx, f->module, path), AIMCC_ERR_IO);
    assert_non_null(strstr(aimcc_ctx_diag(f->ctx)->message, path));
}

static void test_program_load_bad_arguments(void **state)
{
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(NULL, 10, &program, &error), AIMRT_ERR_INVALID_ARG);
    assert_int_equal(aimrt_program_load_file("/nonexistent/x.aimc", &program, &error),
                     AIMRT_ERR_IO);
    assert_non_null(strstr(error.message, "/nonexistent/x.aimc"));
}

/* Runs bytes at batch on the exact device with x [batch, k] and returns y [batch, n]. */
static float *run_bytes(const void *bytes, size_t size, int64_t batch, const float *x,
                        int64_t count)
{
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(bytes, size, &program, &error), AIMRT_OK);
    const int32_t n_tiles = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc((size_t)n_tiles + 1, sizeof *tiles);
    aimrt_program_tiles(program, tiles);
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_exact_create(n_tiles, tiles, &device), AIMRT_OK);
    free(tiles);
    aimrt_session *session = NULL;
    assert_int_equal(aimrt_session_create(program, device, batch, &session, &error), AIMRT_OK);
    float *y = calloc((size_t)count, sizeof *y);
    const void *inputs[] = {x};
    void *outputs[] = {y};
    if (aimrt_session_run(session, batch, 0, inputs, outputs, &error) != AIMRT_OK)
        fail_msg("run failed: %s", error.message);
    aimrt_session_free(session);
    device->destroy(device->state);
    aimrt_device_free(device);
    aimrt_program_free(program);
    return y;
}

/* Places fc_out at per-sample offset 0 and y after it, as the schedule pass
 * would, and emits the program into *bytes. */
static void emit_with_arena(fixture *f, int64_t y_offset, void **bytes, size_t *size)
{
    aimcc_module *module = f->module;
    aimcc_value *fc_out = f->linear->outputs[0];
    aimcc_value *y = module->outputs[0];
    module->arena_bytes_per_sample = 8 * f->n;
    module->arena_bytes_fixed = 0;
    fc_out->buffer_offset = 0;
    y->buffer_offset = y_offset;
    assert_int_equal(aimcc_emit_program_bytes(f->ctx, module, bytes, size), AIMCC_OK);
    module->arena_bytes_per_sample = module->arena_bytes_fixed = 0;
    fc_out->buffer_offset = y->buffer_offset = -1;
}

static void test_program_arena_matches_buffers(void **state)
{
    fixture *f = *state;
    void *bytes = NULL;
    size_t size = 0;
    emit_with_arena(f, 4 * f->n, &bytes, &size);

    /* Both tensors are placed: flag bit 1, offsets 0 and 4n, one sample's bytes each. */
    char *text = describe(bytes, size, 0);
    assert_non_null(strstr(text, "activation arena: 80 bytes per sample, 0 fixed"));
    assert_non_null(strstr(text, "[batch, 10] arena+0 per sample"));
    assert_non_null(strstr(text, "[batch, 10] arena+40 per sample"));
    free(text);

    const int64_t batch = 3;
    float x[3 * 20];
    uint32_t seed = 99;
    for (int i = 0; i < 3 * 20; i++)
        x[i] = next_value(&seed, 1.0f);
    float *with_arena = run_bytes(bytes, size, batch, x, batch * f->n);
    float *without = run_bytes(f->bytes, f->size, batch, x, batch * f->n);
    assert_memory_equal(with_arena, without, (size_t)(batch * f->n) * sizeof(float));
    int positive = 0;
    for (int64_t i = 0; i < batch * f->n; i++)
        positive += without[i] > 0;
    assert_true(positive > 0);
    free(with_arena);
    free(without);
    free(bytes);
}

static void test_program_arena_errors_named(void **state)
{
    fixture *f = *state;
    void *bytes = NULL;
    size_t size = 0;
    /* y [1, 10] at offset 44 ends 4 bytes past the 80-byte arena. */
    emit_with_arena(f, 4 * f->n + 4, &bytes, &size);
    expect_rejected(bytes, size, "tensor 1 \"y\": arena buffer [44, +40)");
    free(bytes);

    /* y on top of fc_out, which the relu reads while it writes y. */
    emit_with_arena(f, 0, &bytes, &size);
    expect_rejected(bytes, size, "op 1 \"relu\": output \"y\" shares arena bytes with \"fc_out\"");
    free(bytes);

    /* An offset that is not a multiple of the 4-byte element. */
    emit_with_arena(f, 42, &bytes, &size);
    expect_rejected(bytes, size, "not aligned to its 4-byte elements");
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_program_header_layout, setup_mlp, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_tile_levels_placed, setup_mlp, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_load_io_and_tiles, setup_mlp, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_describe_utilization, setup_mlp,
                                        teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_crc_mismatch, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_header_fields_rejected, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_version_1_loads, setup_small, teardown_mlp),
        cmocka_unit_test(test_program_calibration_inputs_checked),
        cmocka_unit_test_setup_teardown(test_program_truncated_rejected, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_random_flips_rejected, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_semantic_errors_named, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_read_before_write, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_emit_unmapped_linear_rejected, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_emit_block_outside_tile, setup_small, teardown_mlp),
        cmocka_unit_test_setup_teardown(test_emit_file_atomic, setup_small, teardown_mlp),
        cmocka_unit_test(test_program_load_bad_arguments),
        cmocka_unit_test_setup_teardown(test_program_arena_matches_buffers, setup_small,
                                        teardown_mlp),
        cmocka_unit_test_setup_teardown(test_program_arena_errors_named, setup_small,
                                        teardown_mlp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
