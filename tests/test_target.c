/* SPDX-License-Identifier: MIT */
/* Tests of the target loader: presets, schema errors with key paths, and --set. */
#include "test_support.h"

#include <cjson/cJSON.h>
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
        {"bad-quantity.json", "\"kinds[0].device.g_max.source\"", "\"assume\""},
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
        cmocka_unit_test(test_domain_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
