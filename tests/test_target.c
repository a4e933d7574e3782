/* SPDX-License-Identifier: MIT */
/* Tests of the target loader: presets against the design table, schema errors with
 * key paths, --set, and compile options. */
#include "test_support.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/target.h"

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

static void data_path(char *buf, size_t size, const char *file)
{
    char relative[256];
    snprintf(relative, sizeof(relative), "tests/data/targets/%s", file);
    test_source_path(buf, size, relative);
}

static aimcc_status load_file(fixture *f, const char *file, const aimcc_binding *sets, int n_sets,
                              aimcc_target **target)
{
    char path[1024];
    data_path(path, sizeof(path), file);
    aimcc_ctx_clear(f->ctx);
    return aimcc_target_load(f->ctx, f->arena, path, sets, n_sets, target);
}

static aimcc_status load_float(fixture *f, const aimcc_binding *sets, int n_sets,
                               aimcc_target **target)
{
    aimcc_ctx_clear(f->ctx);
    return aimcc_target_load(f->ctx, f->arena, "float", sets, n_sets, target);
}

/* Asserts that the diagnostic message contains text, printing it otherwise. */
static void assert_message_has(const fixture *f, const char *text)
{
    const char *message = aimcc_ctx_diag(f->ctx)->message;
    if (strstr(message, text) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", message, text);
}

/* Returns the number at kinds[kind].key (or kinds[kind].group.key) of the stored JSON. */
static double json_kind_number(const aimcc_target *target, int kind, const char *group,
                               const char *key)
{
    cJSON *root = cJSON_Parse(target->json);
    assert_non_null(root);
    const cJSON *object = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "kinds"), kind);
    if (group != NULL)
        object = cJSON_GetObjectItem(object, group);
    const cJSON *item = cJSON_GetObjectItem(object, key);
    assert_true(cJSON_IsNumber(item));
    const double value = item->valuedouble;
    cJSON_Delete(root);
    return value;
}

static void test_float_preset_loads(void **state)
{
    fixture *f = *state;
    aimcc_target *target = NULL;
    assert_int_equal(load_float(f, NULL, 0, &target), AIMCC_OK);
    assert_string_equal(target->name, "float");
    assert_non_null(strstr(target->path, "float.json"));
    assert_int_equal(target->n_kinds, 1);
    const aimcc_tile_kind *kind = &target->kinds[0];
    assert_string_equal(kind->name, "float");
    assert_int_equal(kind->domain, AIMCC_DOMAIN_CURRENT);
    assert_int_equal(kind->rows, 512);
    assert_int_equal(kind->cols, 512);
    assert_int_equal(kind->n_tiles, 4096);
    assert_string_equal(kind->cell, "float");
    assert_int_equal(kind->weight_bits, 0);
    assert_int_equal(kind->cell_bits, 0);
    assert_string_equal(kind->encoding, "signed-float");
    assert_string_equal(kind->input_mode, "float");
    assert_int_equal(kind->input_bits, 0);
    assert_string_equal(kind->adc_range, "lossless");
    assert_int_equal(kind->adc_bits, 0);
    assert_int_equal((int)json_kind_number(target, 0, NULL, "rows"), 512);
}

static void test_target_path_loads_kinds(void **state)
{
    fixture *f = *state;
    aimcc_target *target = NULL;
    assert_int_equal(load_file(f, "two-kinds.json", NULL, 0, &target), AIMCC_OK);
    assert_string_equal(target->name, "two-kinds");
    assert_int_equal(target->n_kinds, 2);
    assert_string_equal(target->kinds[0].name, "pcm");
    assert_int_equal(target->kinds[0].rows, 256);
    assert_int_equal(target->kinds[0].cols, 128);
    assert_int_equal(target->kinds[0].n_tiles, 16);
    assert_int_equal(target->kinds[0].weight_bits, 8);
    assert_int_equal(target->kinds[0].input_bits, 8);
    assert_string_equal(target->kinds[0].input_signed, "one-pass");
    assert_int_equal(target->kinds[0].adc_bits, 8);
    assert_string_equal(target->kinds[1].name, "exact");
    assert_int_equal(target->kinds[1].domain, AIMCC_DOMAIN_CHARGE);
    assert_int_equal(target->kinds[1].n_tiles, 8);
}

static void test_targets_dir_env_override(void **state)
{
    fixture *f = *state;
    char dir[1024];
    data_path(dir, sizeof(dir), "");
    const char *saved = getenv("AIMCC_TARGETS_DIR");
    char *saved_copy = saved != NULL ? strdup(saved) : NULL;
    setenv("AIMCC_TARGETS_DIR", dir, 1);
    assert_string_equal(aimcc_targets_dir(), dir);

    aimcc_target *target = NULL;
    aimcc_ctx_clear(f->ctx);
    assert_int_equal(aimcc_target_load(f->ctx, f->arena, "two-kinds", NULL, 0, &target),
                     AIMCC_OK);
    assert_string_equal(target->name, "two-kinds");

    if (saved_copy != NULL)
        setenv("AIMCC_TARGETS_DIR", saved_copy, 1);
    else
        unsetenv("AIMCC_TARGETS_DIR");
    free(saved_copy);
}

static void test_unknown_preset_lists_presets(void **state)
{
    fixture *f = *state;
    aimcc_target *target = NULL;
    aimcc_ctx_clear(f->ctx);
    assert_int_equal(aimcc_target_load(f->ctx, f->arena, "nosuch", NULL, 0, &target),
                     AIMCC_ERR_INVALID_ARG);
    assert_null(target);
    assert_message_has(f, "\"nosuch\"");
    assert_message_has(f, "float");
}

static void test_missing_file_is_io_error(void **state)
{
    fixture *f = *state;
    aimcc_target *target = NULL;
    assert_int_equal(load_file(f, "does-not-exist.json", NULL, 0, &target), AIMCC_ERR_IO);
    assert_message_has(f, "does-not-exist.json");
}

/* One bad target file and what its error must name. */
typedef struct bad_case {
    const char *file;
    const char *key;
    const char *allowed;
} bad_case;

static void test_bad_files_name_key(void **state)
{
    fixture *f = *state;
    static const bad_case cases[] = {
        {"unknown-key.json", "\"kinds[0].adc.bitz\"", "range, bits"},
        {"bad-rows.json", "\"kinds[0].rows\"", "an integer from 1 to 65536"},
        {"bad-domain.json", "\"kinds[0].domain\"",
         "current, charge, charge-redist, capdiv, resdiv, time"},
        {"missing-domain.json", "\"kinds[0].domain\" is missing", "one of current"},
        {"missing-tiles.json", "\"chip.tiles.other\"", "names under kinds"},
        {"zero-tiles.json", "\"chip.tiles.float\"", "from 1 to"},
        {"format-2.json", "\"format\"", "the integer 1"},
        {"duplicate-key.json", "\"kinds[0].rows\" appears twice", "keep one"},
        {"bad-syntax.json", "line 5, column 3", "Fix the syntax"},
        {"bad-cell-bits.json", "kinds[0] (\"pcm\")", "cell_bits must not exceed weight_bits"},
        {"bad-quantity.json", "\"kinds[0].device.g_max\" must be a quantity", "\"assume\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aimcc_target *target = NULL;
        const aimcc_status status = load_file(f, cases[i].file, NULL, 0, &target);
        if (status != AIMCC_ERR_INVALID_ARG)
            fail_msg("%s: status %d, expected invalid argument", cases[i].file, status);
        assert_null(target);
        assert_message_has(f, cases[i].file);
        assert_message_has(f, cases[i].key);
        assert_message_has(f, cases[i].allowed);
    }
}

static void test_set_applies_to_every_kind(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"rows", "256"}, {"chip.tiles.float", "10"}};
    aimcc_target *target = NULL;
    assert_int_equal(load_float(f, sets, 2, &target), AIMCC_OK);
    assert_int_equal(target->kinds[0].rows, 256);
    assert_int_equal(target->kinds[0].cols, 512);
    assert_int_equal(target->kinds[0].n_tiles, 10);
    assert_int_equal((int)json_kind_number(target, 0, NULL, "rows"), 256);
}

static void test_set_selects_one_kind(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {
        {"kinds[exact].cols", "32"},
        {"kinds[1].rows", "64"},
        {"adc.bits", "6"},
        {"kinds[pcm].domain", "charge"},
    };
    aimcc_target *target = NULL;
    assert_int_equal(load_file(f, "two-kinds.json", sets, 4, &target), AIMCC_OK);
    assert_int_equal(target->kinds[1].cols, 32);
    assert_int_equal(target->kinds[1].rows, 64);
    assert_int_equal(target->kinds[0].cols, 128);
    /* Only the pcm kind has adc.bits; the lossless kind keeps none. */
    assert_int_equal(target->kinds[0].adc_bits, 6);
    assert_int_equal(target->kinds[1].adc_bits, 0);
    assert_int_equal(target->kinds[0].domain, AIMCC_DOMAIN_CHARGE);
}

static void test_set_quantity_keeps_unit(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {{"device.g_max", "30"}, {"device.drift.t0.value", "40"}};
    aimcc_target *target = NULL;
    assert_int_equal(load_file(f, "two-kinds.json", sets, 2, &target), AIMCC_OK);
    cJSON *root = cJSON_Parse(target->json);
    assert_non_null(root);
    const cJSON *device =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "kinds"), 0), "device");
    const cJSON *g_max = cJSON_GetObjectItem(device, "g_max");
    assert_int_equal((int)cJSON_GetObjectItem(g_max, "value")->valuedouble, 30);
    assert_string_equal(cJSON_GetObjectItem(g_max, "unit")->valuestring, "uS");
    const cJSON *t0 = cJSON_GetObjectItem(cJSON_GetObjectItem(device, "drift"), "t0");
    assert_int_equal((int)cJSON_GetObjectItem(t0, "value")->valuedouble, 40);
    cJSON_Delete(root);
}

/* One rejected --set and what its error must name. */
typedef struct bad_set {
    aimcc_binding set;
    const char *expected;
    const char *allowed;
} bad_set;

static void test_set_rejects_bad_values(void **state)
{
    fixture *f = *state;
    static const bad_set cases[] = {
        {{"rows", "0"}, "--set rows=0", "an integer from 1 to 65536"},
        {{"rows", "abc"}, "\"rows\"", "an integer from 1 to 65536"},
        {{"rows", "12.5"}, "\"rows\"", "an integer from 1 to 65536"},
        {{"domain", "plasma"}, "\"domain\"", "one of current, charge"},
        {{"rowz", "1"}, "unknown key \"rowz\"", "rows, cols"},
        {{"adc.bitz", "3"}, "unknown key \"adc.bitz\"", "range, bits"},
        {{"kinds[nope].rows", "1"}, "\"nope\"", "name or index of a kind"},
        {{"chip.tiles.float", "-3"}, "\"chip.tiles.float\"", "from 1 to"},
        {{"chip.tilez", "3"}, "unknown key \"chip.tilez\"", "tiles"},
        {{"rows.deeper", "3"}, "unknown key \"rows.deeper\"", "plain value"},
        {{"adc.bits", "6"}, "no tile kind has the key \"adc.bits\"", "kinds[NAME].adc.bits"},
        {{"kinds[float].adc.bits", "6"}, "kinds[0] (\"float\")", "adc.bits must be absent"},
        {{"chip.tiles.other", "3"}, "\"chip.tiles.other\"", "names under kinds"},
        {{"weight_bits", "8"}, "kinds[0] (\"float\")", "weight_bits and cell_bits"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aimcc_target *target = NULL;
        const aimcc_status status = load_float(f, &cases[i].set, 1, &target);
        if (status != AIMCC_ERR_INVALID_ARG)
            fail_msg("--set %s=%s: status %d, expected invalid argument", cases[i].set.name,
                     cases[i].set.value, status);
        assert_null(target);
        assert_message_has(f, "float.json");
        assert_message_has(f, cases[i].expected);
        assert_message_has(f, cases[i].allowed);
    }
}

/* One row of the preset table that the design fixes (bit widths, geometry, budget). */
typedef struct preset_row {
    const char *preset;
    aimcc_domain domain;
    int weight_bits;
    int cell_bits;
    const char *input_mode;
    int input_bits;
    int adc_bits;
    const char *encoding;
    int64_t rows;
    int64_t cols;
    int64_t n_tiles;
} preset_row;

static const preset_row preset_table[] = {
    {"float", AIMCC_DOMAIN_CURRENT, 0, 0, "float", 0, 0, "signed-float", 512, 512, 4096},
    {"pcm-current", AIMCC_DOMAIN_CURRENT, 8, 8, "amplitude", 8, 8, "differential", 512, 512, 256},
    {"rram-current", AIMCC_DOMAIN_CURRENT, 8, 2, "bit-serial", 8, 6, "differential", 256, 256,
     1024},
    {"sram-charge", AIMCC_DOMAIN_CHARGE, 8, 1, "bit-serial", 8, 6, "twos-complement", 256, 256,
     1024},
    {"sram-charge-redist", AIMCC_DOMAIN_CHARGE_REDIST, 8, 1, "bit-serial", 8, 8,
     "twos-complement", 256, 256, 1024},
    {"sram-capdiv", AIMCC_DOMAIN_CAPDIV, 8, 1, "bit-serial", 8, 5, "offset", 256, 64, 4096},
    {"rram-resdiv", AIMCC_DOMAIN_RESDIV, 8, 4, "bit-serial", 8, 8, "constant-sum", 256, 256, 1024},
    {"time-domain", AIMCC_DOMAIN_TIME, 8, 1, "pwm", 8, 8, "differential", 128, 128, 4096},
};

static aimcc_status load_preset(fixture *f, const char *name, const aimcc_binding *sets,
                                int n_sets, aimcc_target **target)
{
    aimcc_ctx_clear(f->ctx);
    return aimcc_target_load(f->ctx, f->arena, name, sets, n_sets, target);
}

static void assert_kind_matches_row(const aimcc_tile_kind *kind, const preset_row *row)
{
    assert_int_equal(kind->domain, row->domain);
    assert_int_equal(kind->weight_bits, row->weight_bits);
    assert_int_equal(kind->cell_bits, row->cell_bits);
    assert_string_equal(kind->input_mode, row->input_mode);
    assert_int_equal(kind->input_bits, row->input_bits);
    assert_int_equal(kind->adc_bits, row->adc_bits);
    assert_string_equal(kind->adc_range, row->adc_bits == 0 ? "lossless" : "calibrated");
    assert_string_equal(kind->encoding, row->encoding);
    assert_int_equal(kind->rows, row->rows);
    assert_int_equal(kind->cols, row->cols);
}

static void test_presets_match_design_table(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(preset_table) / sizeof(preset_table[0]); i++) {
        const preset_row *row = &preset_table[i];
        aimcc_target *target = NULL;
        if (load_preset(f, row->preset, NULL, 0, &target) != AIMCC_OK)
            fail_msg("%s: %s", row->preset, aimcc_ctx_diag(f->ctx)->message);
        assert_string_equal(target->name, row->preset);
        assert_int_equal(target->n_kinds, 1);
        assert_kind_matches_row(&target->kinds[0], row);
        assert_int_equal(target->kinds[0].n_tiles, row->n_tiles);
        if (row->input_bits > 0)
            assert_string_equal(target->kinds[0].input_signed, "one-pass");
    }
}

/* Returns the kind object named name of a target's stored JSON (caller deletes root). */
static const cJSON *json_kind(cJSON *root, const char *name)
{
    const cJSON *kind = NULL;
    cJSON_ArrayForEach(kind, cJSON_GetObjectItem(root, "kinds"))
    {
        if (strcmp(cJSON_GetObjectItem(kind, "name")->valuestring, name) == 0)
            return kind;
    }
    return NULL;
}

static void test_hetero_has_four_kinds(void **state)
{
    fixture *f = *state;
    static const char *const sources[] = {"pcm-current", "sram-charge", "rram-resdiv",
                                          "time-domain"};
    aimcc_target *hetero = NULL;
    assert_int_equal(load_preset(f, "hetero", NULL, 0, &hetero), AIMCC_OK);
    assert_int_equal(hetero->n_kinds, 4);
    cJSON *hetero_json = cJSON_Parse(hetero->json);
    assert_non_null(hetero_json);
    for (int i = 0; i < 4; i++) {
        aimcc_target *single = NULL;
        assert_int_equal(load_preset(f, sources[i], NULL, 0, &single), AIMCC_OK);
        const aimcc_tile_kind *kind = &hetero->kinds[i];
        assert_string_equal(kind->name, single->kinds[0].name);
        assert_int_equal(kind->n_tiles, 128);
        for (size_t r = 0; r < sizeof(preset_table) / sizeof(preset_table[0]); r++)
            if (strcmp(preset_table[r].preset, sources[i]) == 0)
                assert_kind_matches_row(kind, &preset_table[r]);

        /* Same parameters: the kind objects, physics included, are equal. */
        cJSON *single_json = cJSON_Parse(single->json);
        assert_non_null(single_json);
        assert_true(cJSON_Compare(json_kind(hetero_json, kind->name),
                                  json_kind(single_json, kind->name), true));
        cJSON_Delete(single_json);
    }
    cJSON_Delete(hetero_json);
}

/* Asserts every quantity under item has a source of the allowed list. The
 * cost objects cite their own sources (docs/cost-model.md). */
static void assert_sources_known(const cJSON *item, const char *path)
{
    if (item->string != NULL && strcmp(item->string, "cost") == 0)
        return;
    static const char *const known[] = {"Nandakumar 2019", "aihwkit StandardHWATrainingPreset",
                                        "aihwkit", "aihwkit ReRamCMONoiseModel", "assume"};
    const cJSON *source = cJSON_GetObjectItem(item, "source");
    if (cJSON_IsObject(item) && cJSON_IsString(source)) {
        bool found = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            found = found || strcmp(source->valuestring, known[i]) == 0;
        if (!found)
            fail_msg("%s: unknown source \"%s\"", path, source->valuestring);
        return;
    }
    const cJSON *child = NULL;
    cJSON_ArrayForEach(child, item)
    {
        char child_path[512];
        snprintf(child_path, sizeof(child_path), "%s.%s", path,
                 child->string != NULL ? child->string : "[]");
        assert_sources_known(child, child_path);
    }
}

static void test_preset_physics_cite_sources(void **state)
{
    fixture *f = *state;
    static const char *const presets[] = {"pcm-current", "rram-current", "sram-charge",
                                          "sram-charge-redist", "sram-capdiv", "rram-resdiv",
                                          "time-domain", "hetero"};
    for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
        aimcc_target *target = NULL;
        assert_int_equal(load_preset(f, presets[i], NULL, 0, &target), AIMCC_OK);
        cJSON *root = cJSON_Parse(target->json);
        assert_non_null(root);
        assert_sources_known(root, presets[i]);
        cJSON_Delete(root);
    }

    /* The PCM values of the Nandakumar 2019 model and the aihwkit preset. */
    aimcc_target *pcm = NULL;
    assert_int_equal(load_preset(f, "pcm-current", NULL, 0, &pcm), AIMCC_OK);
    cJSON *root = cJSON_Parse(pcm->json);
    const cJSON *device = cJSON_GetObjectItem(json_kind(root, "pcm"), "device");
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(device, "g_max"), "value")->valuedouble ==
                25.0);
    const cJSON *read_noise = cJSON_GetObjectItem(device, "read_noise");
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(read_noise, "mvm"), "value")->valuedouble ==
                0.0175);
    cJSON_Delete(root);
}

/* One preset and the enum codes its kind must carry. */
typedef struct code_case {
    const char *preset;
    aimrt_encoding encoding;
    aimrt_input_mode input_mode;
} code_case;

static void test_kind_codes_follow_strings(void **state)
{
    fixture *f = *state;
    static const code_case cases[] = {
        {"float", AIMRT_ENCODING_FLOAT, AIMRT_INPUT_FLOAT},
        {"pcm-current", AIMRT_ENCODING_DIFFERENTIAL, AIMRT_INPUT_AMPLITUDE},
        {"sram-charge", AIMRT_ENCODING_TWOS_COMPLEMENT, AIMRT_INPUT_BIT_SERIAL},
        {"sram-capdiv", AIMRT_ENCODING_OFFSET, AIMRT_INPUT_BIT_SERIAL},
        {"rram-resdiv", AIMRT_ENCODING_CONSTANT_SUM, AIMRT_INPUT_BIT_SERIAL},
        {"time-domain", AIMRT_ENCODING_DIFFERENTIAL, AIMRT_INPUT_PWM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aimcc_target *target = NULL;
        assert_int_equal(load_preset(f, cases[i].preset, NULL, 0, &target), AIMCC_OK);
        const aimcc_tile_kind *kind = &target->kinds[0];
        assert_int_equal(kind->encoding_code, cases[i].encoding);
        assert_int_equal(kind->input_mode_code, cases[i].input_mode);
        assert_int_equal(kind->input_sign_code, AIMRT_INPUT_ONE_PASS);
        assert_int_equal(kind->input_range_code, AIMRT_RANGE_DYNAMIC);
        assert_true(kind->input_range == 0.0);
    }
}

static void test_set_input_sign_and_range(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {
        {"input.range", "3.5"},
        {"kinds[sram].input.range", "dynamic"},
        {"kinds[pcm].input.signed", "two-pass-digital"},
        {"kinds[rram-resdiv].input.signed", "two-pass-analog"},
    };
    aimcc_target *target = NULL;
    assert_int_equal(load_preset(f, "hetero", sets, 4, &target), AIMCC_OK);
    assert_int_equal(target->kinds[0].input_range_code, AIMRT_RANGE_STATIC);
    assert_true(target->kinds[0].input_range == 3.5);
    assert_int_equal(target->kinds[0].input_sign_code, AIMRT_INPUT_TWO_PASS_DIGITAL);
    assert_int_equal(target->kinds[1].input_range_code, AIMRT_RANGE_DYNAMIC);
    assert_true(target->kinds[1].input_range == 0.0);
    assert_int_equal(target->kinds[2].input_sign_code, AIMRT_INPUT_TWO_PASS_ANALOG);
    assert_int_equal(target->kinds[3].input_range_code, AIMRT_RANGE_STATIC);
    assert_true(target->kinds[3].input_range == 3.5);
}

static void test_compile_options_stored(void **state)
{
    fixture *f = *state;
    const aimcc_binding sets[] = {
        {"quantize.per_layer", "1"},
        {"map.replicate[conv1]", "4"},
        {"map.replicate[/layer1/Conv.0]", "64"},
        {"map.replicate[conv1]", "2"},
    };
    aimcc_target *target = NULL;
    assert_int_equal(load_preset(f, "pcm-current", sets, 4, &target), AIMCC_OK);
    assert_int_equal(target->n_options, 3);
    assert_int_equal(aimcc_target_option_int(target, "quantize.per_layer", NULL, 0), 1);
    assert_int_equal(aimcc_target_option_int(target, "map.replicate", "conv1", 1), 2);
    assert_int_equal(aimcc_target_option_int(target, "map.replicate", "/layer1/Conv.0", 1), 64);
    assert_int_equal(aimcc_target_option_int(target, "map.replicate", "conv2", 1), 1);
    assert_int_equal(aimcc_target_option_int(target, "map.replicate", NULL, 7), 7);
    assert_int_equal(aimcc_target_option_int(NULL, "quantize.per_layer", NULL, 5), 5);
    /* Options are not target fields, so the stored JSON reloads unchanged. */
    assert_null(strstr(target->json, "quantize"));
    assert_null(strstr(target->json, "replicate"));

    const aimcc_binding off = {"quantize.per_layer", "false"};
    assert_int_equal(load_preset(f, "float", &off, 1, &target), AIMCC_OK);
    assert_int_equal(aimcc_target_option_int(target, "quantize.per_layer", NULL, 9), 0);
}

static void test_compile_options_rejected(void **state)
{
    fixture *f = *state;
    static const bad_set cases[] = {
        {{"quantize.per_layer", "2"}, "\"quantize.per_layer\"", "0 (one weight scale"},
        {{"quantize.per_layer", "yes"}, "\"quantize.per_layer\"", "1 (one scale per layer)"},
        {{"quantize.per_layr", "1"}, "unknown key \"quantize.per_layr\"",
         "quantize.per_layer, map.replicate[NODE]"},
        {{"map.tiles", "1"}, "unknown key \"map.tiles\"", "map.replicate[NODE]"},
        {{"map.replicate[conv1]", "0"}, "\"map.replicate[conv1]\"", "from 1 to 64"},
        {{"map.replicate[conv1]", "65"}, "\"map.replicate[conv1]\"", "from 1 to 64"},
        {{"map.replicate[conv1]", "2.5"}, "\"map.replicate[conv1]\"", "from 1 to 64"},
        {{"map.replicate", "2"}, "--set map.replicate=2", "map.replicate[NODE]"},
        {{"map.replicate[]", "2"}, "--set map.replicate[]=2", "map.replicate[NODE]"},
        {{"input.range", "0"}, "\"input.range\"", "\"dynamic\" or a positive number"},
        {{"input.range", "-1"}, "\"input.range\"", "\"dynamic\" or a positive number"},
        {{"input.range", "fast"}, "\"input.range\"", "\"dynamic\" or a positive number"},
        {{"input.signed", "two-pass"}, "\"input.signed\"",
         "one-pass, two-pass-analog, two-pass-digital"},
        {{"encoding", "offset-reference"}, "\"encoding\"", "differential, offset, constant-sum"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aimcc_target *target = NULL;
        const aimcc_status status = load_preset(f, "pcm-current", &cases[i].set, 1, &target);
        if (status != AIMCC_ERR_INVALID_ARG)
            fail_msg("--set %s=%s: status %d, expected invalid argument", cases[i].set.name,
                     cases[i].set.value, status);
        assert_null(target);
        assert_message_has(f, "pcm-current.json");
        assert_message_has(f, cases[i].expected);
        assert_message_has(f, cases[i].allowed);
    }
    /* The error about one layer names its node. */
    const aimcc_binding bad = {"map.replicate[conv7]", "100"};
    aimcc_target *target = NULL;
    assert_int_equal(load_preset(f, "pcm-current", &bad, 1, &target), AIMCC_ERR_INVALID_ARG);
    assert_string_equal(aimcc_ctx_diag(f->ctx)->node, "conv7");
}

/* One rejected combination of kind keys: the preset, the --set and the rule named. */
typedef struct bad_rule {
    const char *preset;
    aimcc_binding sets[2];
    const char *rule;
} bad_rule;

static void test_kind_rules_reject_combinations(void **state)
{
    fixture *f = *state;
    static const bad_rule cases[] = {
        {"sram-charge", {{"cell_bits", "2"}, {"cell_bits", "2"}}, "needs binary cells"},
        {"pcm-current", {{"cell_bits", "1"}, {"weight_bits", "1"}}, "weight_bits 1"},
        {"pcm-current", {{"input.bits", "1"}, {"input.bits", "1"}}, "input.bits 1"},
        {"float", {{"kinds[float].input.range", "3"}, {"rows", "512"}}, "must be absent"},
        {"float", {{"kinds[float].input.signed", "one-pass"}, {"rows", "512"}},
         "must be absent"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aimcc_target *target = NULL;
        const aimcc_status status = load_preset(f, cases[i].preset, cases[i].sets, 2, &target);
        if (status != AIMCC_ERR_INVALID_ARG)
            fail_msg("%s: status %d, expected invalid argument", cases[i].rule, status);
        assert_null(target);
        assert_message_has(f, "kinds[0]");
        assert_message_has(f, cases[i].rule);
    }
}

static void test_domain_names(void **state)
{
    (void)state;
    assert_string_equal(aimcc_domain_name(AIMCC_DOMAIN_CURRENT), "current");
    assert_string_equal(aimcc_domain_name(AIMCC_DOMAIN_CHARGE_REDIST), "charge-redist");
    assert_string_equal(aimcc_domain_name(AIMCC_DOMAIN_TIME), "time");
    assert_null(aimcc_domain_name(AIMCC_DOMAIN_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_float_preset_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_path_loads_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_targets_dir_env_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_preset_lists_presets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_is_io_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files_name_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_applies_to_every_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_selects_one_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_quantity_keeps_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_rejects_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presets_match_design_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hetero_has_four_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preset_physics_cite_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_codes_follow_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_input_sign_and_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile_options_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile_options_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_rules_reject_combinations, setup, teardown),
        cmocka_unit_test(test_domain_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
