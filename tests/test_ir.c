/* SPDX-License-Identifier: MIT */
/*
 * Tests of the IR text form and the verifier. Each golden file NAME.ir in
 * tests/data/ir, parsed and printed, must equal NAME.expected byte for byte.
 * Other tests cover the round trip of a module built through the API, parse
 * errors with their line and column, verifier failures, and damaged text.
 */
#include "test_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ir/ir.h"

/* ---- Helpers ---- */

static char *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    char *text = NULL;
    size_t used = 0, capacity = 0;
    for (;;) {
        if (used + 4096 > capacity) {
            capacity = capacity ? 2 * capacity : 65536;
            char *grown = realloc(text, capacity + 1);
            assert_non_null(grown);
            text = grown;
        }
        const size_t n = fread(text + used, 1, capacity - used, file);
        used += n;
        if (n == 0)
            break;
    }
    fclose(file);
    text[used] = '\0';
    *size = used;
    return text;
}

/* Prints the module into a heap string (caller frees). */
static char *print_to_string(aimcc_ctx *ctx, const aimcc_module *module, bool weights)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    assert_non_null(stream);
    const aimcc_status status = aimcc_ir_print(ctx, module, stream, weights);
    fclose(stream);
    assert_int_equal(status, AIMCC_OK);
    return text;
}

static const char *line_at(const char *text, int line, int *length)
{
    for (int i = 1; i < line && text; i++) {
        text = strchr(text, '\n');
        if (text)
            text++;
    }
    if (!text || !*text) {
        *length = 0;
        return "";
    }
    const char *end = strchr(text, '\n');
    *length = end ? (int)(end - text) : (int)strlen(text);
    return text;
}

/* Fails with the first differing line in unified-diff form, with one line of context. */
static void assert_same_text(const char *name, const char *expected, const char *actual)
{
    if (strcmp(expected, actual) == 0)
        return;
    int line = 1;
    for (size_t i = 0; expected[i] && expected[i] == actual[i]; i++) {
        if (expected[i] == '\n')
            line++;
    }
    print_error("--- %s (expected)\n+++ %s (actual)\n@@ line %d @@\n", name, name, line);
    int n;
    if (line > 1) {
        const char *context = line_at(expected, line - 1, &n);
        print_error(" %.*s\n", n, context);
    }
    const char *want = line_at(expected, line, &n);
    print_error("-%.*s\n", n, want);
    const char *have = line_at(actual, line, &n);
    print_error("+%.*s\n", n, have);
    fail_msg("%s: the printed IR differs from the expected file at line %d", name, line);
}

static aimcc_status parse_text(aimcc_ctx *ctx, aimcc_arena *arena, const char *text,
                               aimcc_module **out)
{
    return aimcc_ir_parse(ctx, arena, text, strlen(text), "t.ir", out);
}

/* ---- A module built through the API: conv, relu, reshape, linear on two tiles ---- */

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
    aimcc_value *conv_weight;
    aimcc_value *fc_weight;
    aimcc_op *conv;
    aimcc_op *fc;
} fixture;

static aimcc_op *add_op(fixture *f, aimrt_op code, const char *node, const char *type, int n_inputs,
                        aimcc_value *const *inputs, int n_attrs, const aimrt_attr *attrs)
{
    aimcc_op *op = NULL;
    const aimcc_status status = aimcc_ir_op_create(f->ctx, f->module, NULL, code, node, type,
                                                   n_inputs, inputs, n_attrs, attrs, 1, NULL, &op);
    if (status != AIMCC_OK)
        fail_msg("creating %s: %s", node, aimcc_ctx_diag(f->ctx)->message);
    return op;
}

static aimcc_value *add_const(fixture *f, const char *name, int rank, const int64_t *dims,
                              float scale)
{
    int64_t count = 1;
    for (int d = 0; d < rank; d++)
        count *= dims[d];
    float *data = calloc((size_t)count, sizeof *data);
    assert_non_null(data);
    /* Values with many significant digits check that %.9g round-trips floats. */
    for (int64_t i = 0; i < count; i++)
        data[i] = scale * ((float)((i * 7) % 11) - 5.0f) / 3.0f;
    aimcc_value *value =
        aimcc_ir_value_add(f->module, name, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, rank, dims, data);
    free(data);
    assert_non_null(value);
    return value;
}

static void add_network(fixture *f)
{
    aimcc_module *m = f->module;
    const int64_t x_dims[] = {1, 1, 6, 6};
    aimcc_value *x =
        aimcc_ir_value_add(m, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 4, x_dims, NULL);
    assert_non_null(x);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(m, x), AIMCC_OK);

    const int64_t w_dims[] = {2, 1, 3, 3}, fc_dims[] = {48, 3}, bias_dims[] = {3};
    f->conv_weight = add_const(f, "conv1.weight", 4, w_dims, 1.0f);
    f->fc_weight = add_const(f, "fc.weight", 2, fc_dims, 0.1f);
    aimcc_value *fc_bias = add_const(f, "fc.bias", 1, bias_dims, 0.01f);

    const int64_t kernel[] = {3, 3}, ones[] = {1, 1}, pads[] = {0, 1, 0, 1}, shape[] = {0, 48};
    const aimrt_attr conv_attrs[] = {
        aimcc_ir_attr_ints(m, AIMRT_ATTR_KERNEL, 2, kernel),
        aimcc_ir_attr_ints(m, AIMRT_ATTR_STRIDES, 2, ones),
        aimcc_ir_attr_ints(m, AIMRT_ATTR_PADS, 4, pads),
        aimcc_ir_attr_ints(m, AIMRT_ATTR_DILATIONS, 2, ones),
        aimcc_ir_attr_int(m, AIMRT_ATTR_GROUP, 1),
    };
    aimcc_value *conv_in[] = {x, f->conv_weight, NULL};
    f->conv = add_op(f, AIMRT_OP_CONV, "conv1", "Conv", 3, conv_in, 5, conv_attrs);
    aimcc_value *relu_in[] = {f->conv->outputs[0]};
    aimcc_op *relu = add_op(f, AIMRT_OP_RELU, "relu1", "Relu", 1, relu_in, 0, NULL);
    const aimrt_attr reshape_attrs[] = {aimcc_ir_attr_ints(m, AIMRT_ATTR_SHAPE, 2, shape)};
    aimcc_op *flat =
        add_op(f, AIMRT_OP_RESHAPE, "flatten", "Flatten", 1, relu->outputs, 1, reshape_attrs);
    aimcc_value *fc_in[] = {flat->outputs[0], f->fc_weight, fc_bias};
    f->fc = add_op(f, AIMRT_OP_LINEAR, "fc", "Gemm", 3, fc_in, 0, NULL);
    const aimrt_attr softmax_attrs[] = {aimcc_ir_attr_int(m, AIMRT_ATTR_AXIS, -1)};
    aimcc_op *probs =
        add_op(f, AIMRT_OP_SOFTMAX, "probs", "Softmax", 1, f->fc->outputs, 1, softmax_attrs);
    assert_int_equal(aimcc_ir_module_add_output(m, probs->outputs[0]), AIMCC_OK);
    m->output_names[0] = "probs";
}

/* Splits the 48x3 fc weight by rows over two 32x8 tiles. */
static void add_tiles(fixture *f)
{
    assert_int_equal(aimcc_ir_tile_add(f->module, 0, 32, 8), 0);
    assert_int_equal(aimcc_ir_tile_add(f->module, 0, 32, 8), 1);
    f->module->tiles[0].rows_used = 32;
    f->module->tiles[0].cells_used = 96;
    aimcc_tile_block *blocks = aimcc_arena_calloc(f->arena, 2, sizeof *blocks);
    assert_non_null(blocks);
    blocks[0] = (aimcc_tile_block){.tile = 0, .w_row = 0, .n_rows = 32, .n_cols = 3};
    blocks[1] =
        (aimcc_tile_block){.tile = 1, .tile_col = 2, .w_row = 32, .n_rows = 16, .n_cols = 3};
    f->fc->blocks = blocks;
    f->fc->n_blocks = 2;
    f->module->properties = AIMCC_PROP_IMPORTED | AIMCC_PROP_CANONICAL | AIMCC_PROP_MAPPED;
}

static int setup_fixture(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    assert_non_null(f->arena);
    assert_non_null(f->ctx);
    f->module = aimcc_ir_module_create(f->arena, "tiny");
    assert_non_null(f->module);
    f->module->target_name = "float";
    add_network(f);
    add_tiles(f);
    *state = f;
    return 0;
}

static int teardown_fixture(void **state)
{
    fixture *f = *state;
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

/* ---- Golden files ---- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_golden(const char *folder, const char *name)
{
    char path[1024];
    size_t size;
    snprintf(path, sizeof path, "%s/%s.ir", folder, name);
    char *input = read_file(path, &size);
    assert_non_null(input);
    snprintf(path, sizeof path, "%s/%s.expected", folder, name);
    size_t expected_size;
    char *expected = read_file(path, &expected_size);
    if (!expected)
        fail_msg("%s.ir has no %s.expected beside it", name, name);

    aimcc_arena *arena = aimcc_arena_create();
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_module *module = NULL;
    const aimcc_status status = aimcc_ir_parse(ctx, arena, input, size, name, &module);
    if (status != AIMCC_OK)
        fail_msg("%s: %s", name, aimcc_ctx_diag(ctx)->message);
    char *actual = print_to_string(ctx, module, true);
    assert_same_text(name, expected, actual);

    free(actual);
    free(expected);
    free(input);
    aimcc_ctx_destroy(ctx);
    aimcc_arena_destroy(arena);
}

static void test_ir_golden_files_match(void **state)
{
    char folder[1024];
    test_source_path(folder, sizeof folder, "tests/data/ir");
    DIR *dir = opendir(folder);
    assert_non_null(dir);
    char *names[256];
    int n = 0;
    for (struct dirent *entry; (entry = readdir(dir)) && n < 256;) {
        const size_t length = strlen(entry->d_name);
        if (length > 3 && strcmp(entry->d_name + length - 3, ".ir") == 0)
            names[n++] = strndup(entry->d_name, length - 3);
    }
    closedir(dir);
    assert_true(n >= 3);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    for (int i = 0; i < n; i++) {
        check_golden(folder, names[i]);
        free(names[i]);
    }
}

/* ---- Round trip ---- */

static void test_ir_round_trip_api_module(void **state)
{
    fixture *f = *state;
    assert_int_equal(aimcc_ir_verify(f->ctx, f->module), AIMCC_OK);
    char *first = print_to_string(f->ctx, f->module, true);

    aimcc_module *parsed = NULL;
    if (parse_text(f->ctx, f->arena, first, &parsed) != AIMCC_OK)
        fail_msg("%s", aimcc_ctx_diag(f->ctx)->message);
    char *second = print_to_string(f->ctx, parsed, true);
    assert_same_text("round trip", first, second);

    /* The parsed module matches the built one field by field, not only as text. */
    assert_int_equal(parsed->n_values, f->module->n_values);
    assert_string_equal(parsed->target_name, "float");
    assert_int_equal(parsed->properties, f->module->properties);
    for (int id = 0; id < f->module->n_values; id++) {
        const aimcc_value *a = f->module->values[id], *b = parsed->values[id];
        assert_int_equal(b->kind, a->kind);
        assert_int_equal(b->batched, a->batched);
        assert_int_equal(b->n_uses, a->n_uses);
        if (a->data)
            assert_memory_equal(b->data, a->data, aimcc_ir_value_bytes(a));
    }
    const aimcc_op *fc = parsed->first;
    while (fc && fc->code != AIMRT_OP_LINEAR)
        fc = fc->next;
    assert_non_null(fc);
    assert_string_equal(fc->node, "fc");
    assert_string_equal(fc->onnx_type, "Gemm");
    assert_int_equal(fc->n_blocks, 2);
    assert_memory_equal(fc->blocks, f->fc->blocks, 2 * sizeof *fc->blocks);
    assert_int_equal(parsed->tiles[0].cells_used, 96);
    assert_int_equal(parsed->n_outputs, 1);
    assert_string_equal(parsed->output_names[0], "probs");
    free(first);
    free(second);
}

/* Without weights a constant prints as its shape and the CRC-32 of its bytes. */
static void test_ir_print_weight_checksum(void **state)
{
    fixture *f = *state;
    char *text = print_to_string(f->ctx, f->module, false);
    const aimcc_value *w = f->fc_weight;
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), w->data, (uInt)aimcc_ir_value_bytes(w));
    char expected[128];
    snprintf(expected, sizeof expected, "%%%d = const $fc.weight : f32[48,3] crc32=0x%08lx\n",
             w->id, (unsigned long)crc);
    assert_non_null(strstr(text, expected));
    assert_null(strstr(text, "= ["));

    /* Such a dump cannot be parsed back: the message names the constant and the option. */
    aimcc_module *parsed = NULL;
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(parse_text(ctx, f->arena, text, &parsed), AIMCC_ERR_INVALID_MODEL);
    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    assert_string_equal(diag->file, "t.ir:4:3");
    assert_non_null(strstr(diag->message, "--dump-weights"));
    assert_string_equal(diag->node, "conv1.weight");
    aimcc_ctx_destroy(ctx);
    free(text);
}

/* ---- Parse errors ---- */

typedef struct parse_error_case {
    const char *text;
    const char *location; /* "t.ir:LINE:COLUMN:", the diagnostic's file and a colon */
    const char *phrase;   /* part of the message */
    const char *node;     /* node or tensor the diagnostic names, or NULL */
} parse_error_case;

#define HEADER "aimcc-ir 1\nmodule \"m\" {\n"
#define INPUT_X "  %0 = input $x : f32[N,4]\n"

static const parse_error_case parse_errors[] = {
    {"aimcc-ir 2\n", "t.ir:1:10:", "version 2 is not supported", NULL},
    {"aimcc-ir 1\nmodel \"m\" {\n}\n", "t.ir:2:1:", "expected 'module'", NULL},
    {HEADER INPUT_X "  %1 = frobnicate %0 : f32[N,4]   ; \"n1\" Frob\n}\n",
     "t.ir:4:8:", "an op name", "n1"},
    {HEADER INPUT_X "  %1 = relu %7 : f32[N,4]   ; \"r\" Relu\n}\n",
     "t.ir:4:13:", "%7 is not defined above this line", "r"},
    {HEADER INPUT_X "  %1 = relu %0 : f32[N,5]   ; \"r\" Relu\n}\n",
     "t.ir:4:18:", "shape inference gives f32[N,4]", "r"},
    {HEADER INPUT_X "  %1 = softmax %0 {axis=1, axis=0} : f32[N,4]   ; \"s\" Softmax\n}\n",
     "t.ir:4:28:", "attribute axis is given twice", "s"},
    {HEADER "  %0 = input $x : f32[1,1,1,1,1,1,1,1,1]\n}\n", "t.ir:3:39:", "at most 8 dimensions",
     "x"},
    {HEADER "  %0 = const $w : f32[3] = [1, 2]\n}\n", "t.ir:3:33:", "has 3 elements", "w"},
    {HEADER "  %0 = const $w : i8[2] = [1, 300]\n}\n", "t.ir:3:31:", "outside [-128, 127]", "w"},
    {HEADER "  %0 = const $w : f32[1000000000000] = [1]\n}\n",
     "t.ir:3:3:", "has 1000000000000 elements", "w"},
    {HEADER "  %0 = input $x : f32[4]\n  %0 = input $y : f32[4]\n}\n",
     "t.ir:4:3:", "%0 is defined twice", "y"},
    {HEADER INPUT_X "  %1 = relu %0 : f32[N,4]   ; \"unterminated\n}\n",
     "t.ir:4:31:", "unterminated string", NULL},
    {HEADER INPUT_X "  output %0\n", "t.ir:5:1:", "expected '}' to close the module", NULL},
    {HEADER "  tile @t1 kind=0 rows=4 cols=4\n}\n", "t.ir:3:8:", "expected @t0", NULL},
    {HEADER "  %0 = input $x : f32[N,4]\n"
            "  %1 = const $w : f32[4,2] = [1, 2, 3, 4, 5, 6, 7, 8]\n"
            "  tile @t0 kind=0 rows=4 cols=4\n"
            "  %2 = linear %0, %1 : f32[N,2]   ; \"fc\" Gemm\n"
            "  map %1[0:4, 0:2] -> @t0[1, 0]   ; \"fc\" Gemm\n}\n",
     "t.ir:7:3:", "does not fit tile @t0 of 4x4", "fc"},
    {HEADER "  %0 = input $x : f32[N,4]\n"
            "  %1 = const $w : f32[4,2] = [1, 2, 3, 4, 5, 6, 7, 8]\n"
            "  tile @t0 kind=0 rows=4 cols=4\n"
            "  %2 = linear %0, %1 : f32[N,2]   ; \"fc\" Gemm\n"
            "  map %1[0:4, 0:1] -> @t0[0, 0]   ; \"fc\" Gemm\n}\n",
     "t.ir:", "cover 4 of the 8 weights", "fc"},
    /* f32[N,4] takes 16 bytes per sample, so bytes=64 is rejected. */
    {HEADER INPUT_X "  %1 = relu %0 : f32[N,4]   ; \"r\" Relu\n"
                    "  buffer %1 offset=0 bytes=64   ; \"r\" Relu\n}\n",
     "t.ir:5:28:", "%1 takes 16 bytes per sample, not 64", "r"},
    {HEADER INPUT_X "  buffer %0 offset=0 bytes=16\n}\n", "t.ir:4:10:",
     "%0 is not the output of an op above", NULL},
    /* Scheduled, but the 16-byte buffer at 64 runs past the 64-byte arena. */
    {"aimcc-ir 1\nmodule \"m\" properties=[scheduled] {\n" INPUT_X
     "  arena per_sample=64 fixed=0\n"
     "  %1 = relu %0 : f32[N,4]   ; \"r\" Relu\n"
     "  buffer %1 offset=64 bytes=16   ; \"r\" Relu\n}\n",
     "t.ir:", "runs past the 64-byte per-sample arena", "r"},
};

static void test_ir_parse_errors_name_line(void **state)
{
    for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++) {
        const parse_error_case *c = &parse_errors[i];
        aimcc_arena *arena = aimcc_arena_create();
        aimcc_ctx *ctx = aimcc_ctx_create();
        aimcc_module *module = NULL;
        const aimcc_status status = parse_text(ctx, arena, c->text, &module);
        const aimcc_diag *diag = aimcc_ctx_diag(ctx);
        /* The location is the diagnostic's file, without the colon that ends it. */
        const size_t location_length = strlen(c->location) - 1;
        if (status != AIMCC_ERR_INVALID_MODEL || strlen(diag->file) != location_length ||
            strncmp(diag->file, c->location, location_length) != 0 ||
            !strstr(diag->message, c->phrase))
            fail_msg("case %zu: status %d, file \"%s\", message \"%s\"; expected \"%s ... %s\"",
                     i, status, diag->file, diag->message, c->location, c->phrase);
        assert_null(module);
        if (c->node)
            assert_string_equal(diag->node, c->node);
        aimcc_ctx_destroy(ctx);
        aimcc_arena_destroy(arena);
    }
}

/* Every prefix of a valid dump, and copies with bytes changed, parse or fail cleanly. */
static void test_ir_parse_damaged_text(void **state)
{
    fixture *f = *state;
    char *text = print_to_string(f->ctx, f->module, true);
    const size_t size = strlen(text);
    char *copy = malloc(size + 1);
    assert_non_null(copy);
    for (size_t cut = 0; cut < size; cut++) {
        aimcc_arena *arena = aimcc_arena_create();
        aimcc_ctx *ctx = aimcc_ctx_create();
        aimcc_module *module = NULL;
        memcpy(copy, text, cut);
        const aimcc_status status = aimcc_ir_parse(ctx, arena, copy, cut, "t.ir", &module);
        assert_true(status == AIMCC_OK || aimcc_ctx_diag(ctx)->message[0] != '\0');
        aimcc_ctx_destroy(ctx);
        aimcc_arena_destroy(arena);
    }
    static const char replacements[] = {'\0', '\n', '"', '%', '@', '$', '[', '9', '-', '\\'};
    uint32_t seed = 12345;
    for (int trial = 0; trial < 400; trial++) {
        memcpy(copy, text, size);
        seed = seed * 1664525u + 1013904223u;
        const size_t at = (seed >> 8) % size;
        copy[at] = replacements[(seed >> 4) % sizeof replacements];
        aimcc_arena *arena = aimcc_arena_create();
        aimcc_ctx *ctx = aimcc_ctx_create();
        aimcc_module *module = NULL;
        if (aimcc_ir_parse(ctx, arena, copy, size, "t.ir", &module) == AIMCC_OK)
            assert_int_equal(aimcc_ir_verify(ctx, module), AIMCC_OK);
        aimcc_ctx_destroy(ctx);
        aimcc_arena_destroy(arena);
    }
    free(copy);
    free(text);
}

/* ---- Verifier ---- */

static void expect_verify_failure(fixture *f, const char *node, const char *phrase)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(aimcc_ir_verify(ctx, f->module), AIMCC_ERR_INTERNAL);
    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    assert_string_equal(diag->node, node);
    if (!strstr(diag->message, phrase))
        fail_msg("message \"%s\" lacks \"%s\"", diag->message, phrase);
    aimcc_ctx_destroy(ctx);
}

static void test_ir_verify_catches_use_count(void **state)
{
    fixture *f = *state;
    f->conv->outputs[0]->n_uses++;
    expect_verify_failure(f, "conv1", "records 2 uses but 1 op inputs read it");
}

static void test_ir_verify_catches_block_outside_tile(void **state)
{
    fixture *f = *state;
    f->fc->blocks[1].tile_col = 6;
    expect_verify_failure(f, "fc", "does not fit tile @t1 of 32x8");
}

static void test_ir_verify_catches_double_cover(void **state)
{
    fixture *f = *state;
    f->fc->blocks[1].w_row = 8;
    expect_verify_failure(f, "fc", "blocks 0 and 1 cover the same weights");
}

static void test_ir_verify_catches_wrong_shape(void **state)
{
    fixture *f = *state;
    f->conv->outputs[0]->dims[3] = 5;
    expect_verify_failure(f, "conv1", "is f32[1,2,4,5] but shape inference gives f32[1,2,4,6]");
}

static void test_ir_verify_catches_use_before_definition(void **state)
{
    fixture *f = *state;
    /* Moving the relu to the front makes it read the conv output before the conv runs. */
    aimcc_op *relu = f->conv->next;
    aimcc_ir_op_remove(f->module, relu);
    relu->inputs[0]->n_uses++;
    relu->next = f->module->first;
    f->module->first->prev = relu;
    f->module->first = relu;
    expect_verify_failure(f, "relu1", "is used before it is defined");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ir_golden_files_match),
        cmocka_unit_test_setup_teardown(test_ir_round_trip_api_module, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test_setup_teardown(test_ir_print_weight_checksum, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test(test_ir_parse_errors_name_line),
        cmocka_unit_test_setup_teardown(test_ir_parse_damaged_text, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test_setup_teardown(test_ir_verify_catches_use_count, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test_setup_teardown(test_ir_verify_catches_block_outside_tile, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test_setup_teardown(test_ir_verify_catches_double_cover, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test_setup_teardown(test_ir_verify_catches_wrong_shape, setup_fixture,
                                        teardown_fixture),
        cmocka_unit_test_setup_teardown(test_ir_verify_catches_use_before_definition, setup_fixture,
                                        teardown_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
