/* SPDX-License-Identifier: MIT */
/*
 * Tests of the tile-kind parameter registry across the tool chain: unit
 * factors, target file errors, --set of parameters, the round trip target ->
 * compile -> program section 8 -> loader, loader rejections of corrupted
 * records, and that docs/targets.md documents every registry path.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "aimrt/params.h"
#include "ir/target.h"
#include "program_internal.h"
#include "test_pipeline.h"

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    *state = f;
    return f->arena != NULL && f->ctx != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

/* Asserts that |actual - expected| <= 1e-12 |expected|. */
static void assert_close(double actual, double expected)
{
    if (!(fabs(actual - expected) <= 1e-12 * fabs(expected)))
        fail_msg("%.17g is not %.17g", actual, expected);
}

static void test_unit_factors_convert_prefixes(void **state)
{
    (void)state;
    assert_close(aimrt_param_unit_factor("uS", "S"), 1e6);
    assert_close(aimrt_param_unit_factor("uS", "nS"), 1e-3);
    assert_close(aimrt_param_unit_factor("F", "fF"), 1e-15);
    assert_close(aimrt_param_unit_factor("F", "pF"), 1e-12);
    assert_close(aimrt_param_unit_factor("1", "%"), 0.01);
    assert_close(aimrt_param_unit_factor("sqrt(fF)", "% sqrt(fF)"), 0.01);
    /* A prefix on an area squares: 1 um^2 = 1e-12 m^2 and 1 mm^2 = 1e6 um^2. */
    assert_close(aimrt_param_unit_factor("m^2", "um^2"), 1e-12);
    assert_close(aimrt_param_unit_factor("um^2", "mm^2"), 1e6);
    assert_true(aimrt_param_unit_factor("uS", "V") == 0.0);
    assert_true(aimrt_param_unit_factor("F", "%") == 0.0);
    assert_true(aimrt_param_unit_factor("s", "xs") == 0.0);
}

/* Writes a one-kind pcm target with extra text inside the kind object (or
 * inside its adc object, when extra starts with "adc:") to a file in the
 * working folder, and returns its path in buf. */
static void write_target(char *buf, size_t size, const char *name, const char *extra)
{
    const bool in_adc = strncmp(extra, "adc:", 4) == 0;
    snprintf(buf, size, "test_params_%s.json", name);
    FILE *file = fopen(buf, "w");
    assert_non_null(file);
    fprintf(file,
            "{\"format\": 1, \"name\": \"t\", \"chip\": {\"tiles\": {\"pcm\": 8}},\n"
            " \"kinds\": [{\"name\": \"pcm\", \"domain\": \"current\", \"rows\": 64, "
            "\"cols\": 64, \"cell\": \"pcm\", \"weight_bits\": 8, \"cell_bits\": 8, "
            "\"encoding\": \"differential\", \"input\": {\"mode\": \"amplitude\", \"bits\": 8}, "
            "\"adc\": {\"bits\": 8, \"range\": \"calibrated\"%s}%s}]}\n",
            in_adc ? extra + 4 : "", in_adc ? "" : extra);
    fclose(file);
}

/* Loads a target with extra kind text; returns the status and the message. */
static aimcc_status load_extra(fixture *f, const char *name, const char *extra,
                               aimcc_target **target)
{
    char path[256];
    write_target(path, sizeof path, name, extra);
    aimcc_ctx_clear(f->ctx);
    const aimcc_status status = aimcc_target_load(f->ctx, f->arena, path, NULL, 0, target);
    remove(path);
    return status;
}

static void assert_message_has(const fixture *f, const char *text)
{
    const char *message = aimcc_ctx_diag(f->ctx)->message;
    if (strstr(message, text) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", message, text);
}

typedef struct bad_case {
    const char *name;
    const char *extra;
    const char *texts[3]; /* what the message must name */
} bad_case;

static void test_target_param_errors_named(void **state)
{
    fixture *f = *state;
    static const bad_case cases[] = {
        {"unknown", ", \"circuit\": {\"wirez\": 1}",
         {"\"kinds[0].circuit.wirez\"", "wires", "comparator"}},
        {"unknown_adc", "adc:, \"bund\": 1",
         {"\"kinds[0].adc.bund\"", "range, bits, bound", "sigma_dnl"}},
        {"unit", ", \"device\": {\"g_max\": {\"value\": 25, \"unit\": \"V\", \"source\": \"x\"}}",
         {"\"kinds[0].device.g_max\"", "unit \"V\"", "\"uS\""}},
        {"range",
         ", \"circuit\": {\"comparator\": {\"sigma_offset\": {\"value\": 2, \"unit\": \"V\", "
         "\"source\": \"x\"}}}",
         {"\"kinds[0].circuit.comparator.sigma_offset\"", "is 2 V", "[0, 1] V"}},
        {"choice", ", \"circuit\": {\"wires\": {\"ir_drop\": \"second-order\"}}",
         {"\"kinds[0].circuit.wires.ir_drop\"", "off, first-order, full", "IR drop"}},
        {"source", ", \"device\": {\"g_max\": {\"value\": 25, \"unit\": \"uS\"}}",
         {"\"kinds[0].device.g_max\"", "quantity", "\"source\""}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aimcc_target *target = NULL;
        const aimcc_status status = load_extra(f, cases[i].name, cases[i].extra, &target);
        if (status != AIMCC_ERR_INVALID_ARG)
            fail_msg("%s: status %d, expected invalid argument", cases[i].name, status);
        assert_null(target);
        assert_message_has(f, "test_params_");
        for (int t = 0; t < 3; t++)
            assert_message_has(f, cases[i].texts[t]);
    }
}

static void test_target_params_in_registry_units(void **state)
{
    fixture *f = *state;
    aimcc_target *target = NULL;
    assert_int_equal(
        load_extra(f, "units",
                   ", \"device\": {\"g_max\": {\"value\": 0.00003, \"unit\": \"S\", \"source\": "
                   "\"x\"}, \"read_noise\": {\"mvm\": {\"value\": 2, \"unit\": \"%\", \"source\": "
                   "\"x\"}}}, \"circuit\": {\"c_sample\": {\"value\": 0.2, \"unit\": \"pF\", "
                   "\"source\": \"x\"}, \"wires\": {\"ir_drop\": \"full\"}}",
                   &target),
        AIMCC_OK);
    const aimrt_kind_params *p = &target->kinds[0].params;
    assert_close(p->value[AIMRT_PARAM_G_MAX], 30.0);
    assert_close(p->value[AIMRT_PARAM_READ_MVM], 0.02);
    assert_close(p->value[AIMRT_PARAM_C_SAMPLE], 0.2e-12);
    assert_true(p->value[AIMRT_PARAM_IR_DROP] == 2.0);
    assert_true(p->given[AIMRT_PARAM_G_MAX] && p->given[AIMRT_PARAM_IR_DROP]);
    /* An unset parameter keeps the registry's fallback. */
    assert_false(p->given[AIMRT_PARAM_DRIFT_T0]);
    assert_true(p->value[AIMRT_PARAM_DRIFT_T0] == aimrt_param_get(AIMRT_PARAM_DRIFT_T0)->fallback);
}

static void test_set_params_by_path(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {
        {"circuit.comparator.sigma_offset", "2"},
        {"kinds[sram].circuit.charge.node_voltage_dependence", "off"},
        {"kinds[sram].circuit.wires.r_row", "1.5"},
    };
    aimcc_target *target = NULL;
    aimcc_ctx_clear(f->ctx);
    assert_int_equal(aimcc_target_load(f->ctx, f->arena, "sram-charge", sets, 3, &target),
                     AIMCC_OK);
    const aimrt_kind_params *p = &target->kinds[0].params;
    /* The preset gives mV: 2 mV is 0.002 V. */
    assert_close(p->value[AIMRT_PARAM_COMPARATOR_OFFSET], 2e-3);
    assert_true(p->value[AIMRT_PARAM_NODE_DEPENDENCE] == 0.0);
    /* r_row is not in the preset: --set on one kind adds it in ohm. */
    assert_close(p->value[AIMRT_PARAM_R_ROW], 1.5);

    const aimcc_binding ir_drop[] = {{"circuit.wires.ir_drop", "off"}};
    assert_int_equal(aimcc_target_load(f->ctx, f->arena, "pcm-current", ir_drop, 1, &target),
                     AIMCC_OK);
    assert_true(target->kinds[0].params.value[AIMRT_PARAM_IR_DROP] == 0.0);
    assert_true(target->kinds[0].params.given[AIMRT_PARAM_IR_DROP]);

    const aimcc_binding unknown[] = {{"circuit.comparator.sigma", "2"}};
    aimcc_ctx_clear(f->ctx);
    assert_int_equal(aimcc_target_load(f->ctx, f->arena, "pcm-current", unknown, 1, &target),
                     AIMCC_ERR_INVALID_ARG);
    assert_message_has(f, "circuit.comparator.sigma");
    assert_message_has(f, "sigma_offset, sigma_noise");
}

static void test_drift_compensation_choice_agrees(void **state)
{
    fixture *f = *state;
    aimcc_target *target = NULL;
    assert_int_equal(load_extra(f, "per_column",
                                ", \"circuit\": {\"drift_compensation\": \"per-column\"}", &target),
                     AIMCC_OK);
    assert_true(target->kinds[0].drift_compensation);
    assert_true(target->kinds[0].params.value[AIMRT_PARAM_DRIFT_COMPENSATION] == 2.0);
    /* The kind key 0 turns compensation off, and the choice with it. */
    assert_int_equal(load_extra(f, "key_off",
                                ", \"drift_compensation\": 0, \"circuit\": "
                                "{\"drift_compensation\": \"global\"}",
                                &target),
                     AIMCC_OK);
    assert_false(target->kinds[0].drift_compensation);
    assert_true(target->kinds[0].params.value[AIMRT_PARAM_DRIFT_COMPENSATION] == 0.0);
    assert_int_equal(load_extra(f, "key_on", ", \"drift_compensation\": 1", &target), AIMCC_OK);
    assert_true(target->kinds[0].drift_compensation);
    assert_true(target->kinds[0].params.value[AIMRT_PARAM_DRIFT_COMPENSATION] == 1.0);
}

/* Compiles the 64 x 16 MatMul of tests/data/drift for pcm-current with sets. */
static void compile_matmul(const aimcc_binding *sets, int n_sets, test_program *out)
{
    char model[1024];
    test_source_path(model, sizeof model, "tests/data/drift/matmul.onnx");
    aimcc_options options = {0};
    options.target = "pcm-current";
    options.sets = sets;
    options.n_sets = n_sets;
    if (test_compile_file(model, &options, out) != AIMCC_OK)
        fail_msg("compile failed: %s", out->message);
}

static void test_params_round_trip_program(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"device.g_max", "30"}, {"circuit.wires.ir_drop", "full"}};
    test_program compiled;
    compile_matmul(sets, 2, &compiled);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(compiled.bytes, compiled.size, &program, &error),
                     AIMRT_OK);

    aimcc_target *target = NULL;
    aimcc_ctx_clear(f->ctx);
    assert_int_equal(aimcc_target_load(f->ctx, f->arena, "pcm-current", sets, 2, &target),
                     AIMCC_OK);
    assert_int_equal(program->n_kinds, 1);
    const aimrt_kind_params *loaded = &program->kinds[0].params;
    const aimrt_kind_params *parsed = &target->kinds[0].params;
    int n_given = 0;
    for (int id = 0; id < AIMRT_PARAM_SLOTS; id++) {
        assert_int_equal(loaded->given[id], parsed->given[id]);
        assert_true(loaded->value[id] == parsed->value[id]);
        n_given += loaded->given[id];
    }
    assert_true(loaded->value[AIMRT_PARAM_G_MAX] == 30.0);
    assert_true(loaded->value[AIMRT_PARAM_IR_DROP] == 2.0);
    assert_close(loaded->value[AIMRT_PARAM_READ_T_READ], 250e-9);
    /* The records in section 8 are the given parameters. */
    assert_int_equal(program->sections[AIMRT_SECTION_KIND_PARAMS - 1].count, n_given);
    aimrt_program_free(program);
    test_program_free(&compiled);
}

/* The compile option drift_compensation=0 turns the pcm kind's global scheme
 * off in the program: tile flag and parameter agree. */
static void test_drift_option_reaches_program(void **state)
{
    (void)state;
    const aimcc_binding sets[] = {{"drift_compensation", "0"}};
    test_program compiled;
    compile_matmul(sets, 1, &compiled);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    assert_int_equal(aimrt_program_load(compiled.bytes, compiled.size, &program, &error),
                     AIMRT_OK);
    assert_false(program->tiles[0].drift_compensation);
    assert_true(program->kinds[0].params.given[AIMRT_PARAM_DRIFT_COMPENSATION]);
    assert_true(program->kinds[0].params.value[AIMRT_PARAM_DRIFT_COMPENSATION] == 0.0);
    aimrt_program_free(program);
    test_program_free(&compiled);
}

static void fix_crc(uint8_t *image, size_t size)
{
    aimrt_put_u32(image + AIMRT_HEADER_CRC, 0);
    aimrt_put_u32(image + AIMRT_HEADER_CRC, (uint32_t)crc32(0L, image, (uInt)size));
}

/* One corruption of the second record of section 8 and the loader's expected message. */
typedef struct record_case {
    int field;        /* 0 kind, 1 id, 2 value, 3 swap with the third record */
    double value;
    const char *reason;
} record_case;

static void test_corrupt_params_section_rejected(void **state)
{
    (void)state;
    test_program compiled;
    compile_matmul(NULL, 0, &compiled);
    const uint8_t *entry = compiled.bytes + AIMRT_HEADER_TABLE +
                           (AIMRT_SECTION_KIND_PARAMS - 1) * AIMRT_SECTION_ENTRY_SIZE;
    assert_true(aimrt_get_u32(entry + 4) >= 3);
    const uint64_t offset = aimrt_get_u64(entry + 8);
    const uint32_t first_id = aimrt_get_u32(compiled.bytes + offset + 4);

    const record_case cases[] = {
        {1, first_id, "not after the record before it"},     /* duplicate */
        {3, 0, "record 2 (kind \"pcm\""},                   /* unsorted */
        {1, 99, "parameter id 99"},                          /* unknown id */
        {0, 5, "names kind 5"},                              /* kind out of range */
        {2, NAN, "not a finite number"},
        {2, 1e30, "outside"},
    };
    uint8_t *copy = malloc(compiled.size);
    assert_non_null(copy);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, compiled.bytes, compiled.size);
        uint8_t *record = copy + offset + AIMRT_KIND_PARAM_RECORD_SIZE;
        if (cases[i].field == 3) {
            memcpy(record, copy + offset + 2 * AIMRT_KIND_PARAM_RECORD_SIZE,
                   AIMRT_KIND_PARAM_RECORD_SIZE);
            memcpy(copy + offset + 2 * AIMRT_KIND_PARAM_RECORD_SIZE,
                   compiled.bytes + offset + AIMRT_KIND_PARAM_RECORD_SIZE,
                   AIMRT_KIND_PARAM_RECORD_SIZE);
        } else if (cases[i].field == 2) {
            aimrt_put_f64(record + 8, cases[i].value);
        } else {
            aimrt_put_u32(record + 4 * cases[i].field, (uint32_t)cases[i].value);
        }
        fix_crc(copy, compiled.size);
        aimrt_program *program = NULL;
        aimrt_error error = {0};
        const aimrt_status status = aimrt_program_load(copy, compiled.size, &program, &error);
        if (status != AIMRT_ERR_INVALID_PROGRAM || !strstr(error.message, cases[i].reason) ||
            !strstr(error.message, "kind parameters"))
            fail_msg("case %zu: status %d, message \"%s\"", i, (int)status, error.message);
        assert_null(program);
    }
    free(copy);
    test_program_free(&compiled);
}

/* Reads a whole text file into a new buffer. */
static char *read_text(const char *path)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    const long size = ftell(file);
    assert_true(size > 0);
    rewind(file);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
    text[size] = '\0';
    fclose(file);
    return text;
}

static void test_docs_list_every_param(void **state)
{
    (void)state;
    char path[1024];
    test_source_path(path, sizeof path, "docs/targets.md");
    char *text = read_text(path);
    for (int i = 0; i < aimrt_param_count(); i++) {
        char quoted[128];
        snprintf(quoted, sizeof quoted, "`%s`", aimrt_param_at(i)->path);
        if (!strstr(text, quoted))
            fail_msg("docs/targets.md does not document %s", quoted);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_factors_convert_prefixes),
        cmocka_unit_test_setup_teardown(test_target_param_errors_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_params_in_registry_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_params_by_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drift_compensation_choice_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_round_trip_program, setup, teardown),
        cmocka_unit_test(test_drift_option_reaches_program),
        cmocka_unit_test(test_corrupt_params_section_rejected),
        cmocka_unit_test(test_docs_list_every_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
