/* SPDX-License-Identifier: MIT */
/*
 * Tests of the select-domain pass by cost: one kind is taken everywhere, the
 * cheapest kind within the error budget wins and the runner-up is named, a
 * tighter select.max_error moves a layer to the lower-noise kind,
 * select.force is obeyed and a force that names no kind fails, and
 * select.objective=latency picks the faster kind. Targets are built by hand
 * with their cost and noise parameters, as the target parser fills them.
 */
#include "test_support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/target.h"
#include "passes/pass.h"

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
    aimcc_tile_kind kinds[2];
    aimcc_target target;
    aimcc_target_option options[4];
} fixture;

/* Sets the cost parameters of a kind: per conversion and cell energies and
 * the phase time scale together, so the noisy kind below is the cheaper and
 * the slower one. */
static void set_costs(aimcc_tile_kind *kind, double energy_scale, double phase_time_s)
{
    double *v = kind->params.value;
    const int ids[] = {AIMRT_PARAM_COST_ADC_FOM, AIMRT_PARAM_COST_DAC_ENERGY,
                       AIMRT_PARAM_COST_CELL_ENERGY, AIMRT_PARAM_COST_PHASE_TIME};
    v[AIMRT_PARAM_COST_ADC_FOM] = 20e-15 * energy_scale;
    v[AIMRT_PARAM_COST_DAC_ENERGY] = 100e-15 * energy_scale;
    v[AIMRT_PARAM_COST_CELL_ENERGY] = 10e-15 * energy_scale;
    v[AIMRT_PARAM_COST_PHASE_TIME] = phase_time_s;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        kind->params.given[ids[i]] = true;
}

/* Kind 0 "noisy": current domain, 8-bit amplitude input (1 phase), output
 * noise 0.5, cheap and slow. Kind 1 "clean": charge domain, bit-serial (8
 * phases), 8 one-bit slices, no analog noise, 10x the energy, fast. */
static void make_kinds(fixture *f)
{
    aimcc_tile_kind *noisy = &f->kinds[0], *clean = &f->kinds[1];
    *noisy = (aimcc_tile_kind){.name = "noisy", .domain = AIMCC_DOMAIN_CURRENT, .rows = 64,
                               .cols = 64, .n_tiles = 8, .cell = "pcm", .weight_bits = 8,
                               .cell_bits = 8, .encoding = "differential",
                               .input_mode = "amplitude", .input_bits = 8,
                               .adc_range = "calibrated", .adc_bits = 8};
    *clean = *noisy;
    clean->name = "clean";
    clean->domain = AIMCC_DOMAIN_CHARGE;
    clean->cell = "sram";
    clean->cell_bits = 1;
    clean->encoding = "twos-complement";
    clean->input_mode = "bit-serial";
    aimrt_kind_params_defaults(&noisy->params);
    aimrt_kind_params_defaults(&clean->params);
    /* The PCM cell's programming noise stays off: only output noise counts. */
    noisy->params.value[AIMRT_PARAM_PROG_SCALE] = 0.0;
    noisy->params.value[AIMRT_PARAM_OUTPUT_NOISE] = 0.5;
    set_costs(noisy, 1.0, 1e-6);
    set_costs(clean, 10.0, 1e-9);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    f->module = aimcc_ir_module_create(f->arena, "test");
    f->module->properties = AIMCC_PROP_IMPORTED | AIMCC_PROP_CANONICAL;
    make_kinds(f);
    f->target = (aimcc_target){.name = "pair", .n_kinds = 2, .kinds = f->kinds,
                               .options = f->options};
    f->module->target = &f->target;
    f->module->target_name = "pair";
    *state = f;
    return f->arena != NULL && f->ctx != NULL && f->module != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

static void add_option(fixture *f, const char *key, const char *node, const char *text)
{
    aimcc_target_option *option = &f->options[f->target.n_options++];
    *option = (aimcc_target_option){.key = key, .node = node, .text = text,
                                    .number = strtod(text, NULL)};
}

/* Adds LINEAR(x [1, k], W [k, n]) with weights (i % 7) - 3. */
static aimcc_op *add_matrix(fixture *f, const char *node, int64_t k, int64_t n)
{
    const int64_t x_dims[2] = {1, k}, w_dims[2] = {k, n};
    aimcc_value *x = aimcc_ir_value_add(f->module, node, AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 2,
                                        x_dims, NULL);
    assert_non_null(x);
    x->batched = true;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    float w[64 * 4];
    assert_true(k * n <= 64 * 4);
    for (int i = 0; i < k * n; i++)
        w[i] = (float)(i % 7 - 3);
    aimcc_value *inputs[3] = {
        x, aimcc_ir_value_add(f->module, NULL, AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, 2, w_dims, w),
        NULL};
    aimcc_op *op = NULL;
    if (aimcc_ir_op_create(f->ctx, f->module, NULL, AIMRT_OP_LINEAR, node, "Gemm", 3, inputs, 0,
                           NULL, 1, NULL, &op) != AIMCC_OK)
        fail_msg("creating %s failed: %s", node, aimcc_ctx_diag(f->ctx)->message);
    assert_int_equal(aimcc_ir_module_add_output(f->module, op->outputs[0]), AIMCC_OK);
    return op;
}

/* Adds LINEAR(x [1, 64], W [64, 4]): one block of full tile height. */
static aimcc_op *add_layer(fixture *f, const char *node)
{
    return add_matrix(f, node, 64, 4);
}

static void run_select(fixture *f)
{
    if (aimcc_pass_select_domain.run(f->module, f->ctx) != AIMCC_OK)
        fail_msg("select-domain failed: %s", aimcc_ctx_diag(f->ctx)->message);
}

static void test_select_one_kind_everywhere(void **state)
{
    fixture *f = *state;
    f->target.n_kinds = 1;
    f->target.kinds = &f->kinds[1];
    const aimcc_op *a = add_layer(f, "a");
    const aimcc_op *b = add_layer(f, "b");
    run_select(f);
    assert_int_equal(a->kind, 0);
    assert_int_equal(b->kind, 0);
    assert_string_equal(a->kind_reason, "only kind");
}

/* The noisy kind's error: output noise 0.5 over the rms output sqrt(64) x
 * 0.25 x w_rms. Weights (i % 7) - 3 have w_rms / max near 0.65, so the error is
 * near 0.38: within a budget of 1, over one of 0.05. */
static void test_select_cheapest_within_budget(void **state)
{
    fixture *f = *state;
    add_option(f, "select.max_error", NULL, "1");
    const aimcc_op *op = add_layer(f, "fc");
    run_select(f);
    assert_int_equal(op->kind, 0);
    assert_non_null(strstr(op->kind_reason, "lowest energy: \"noisy\" (current)"));
    assert_non_null(strstr(op->kind_reason, "runner-up \"clean\" (charge)"));
}

static void test_select_tight_budget_moves(void **state)
{
    fixture *f = *state;
    add_option(f, "select.max_error", NULL, "0.05");
    const aimcc_op *op = add_layer(f, "fc");
    run_select(f);
    assert_int_equal(op->kind, 1);
    assert_non_null(strstr(op->kind_reason, "lowest energy: \"clean\" (charge)"));
    assert_non_null(strstr(op->kind_reason, "runner-up \"noisy\" (current)"));
    assert_non_null(strstr(op->kind_reason, "over budget 0.05"));
}

/* Forcing the charge domain on one layer leaves the other on the cheapest. */
static void test_select_forced_domain_obeyed(void **state)
{
    fixture *f = *state;
    add_option(f, "select.max_error", NULL, "1");
    add_option(f, "select.force", "forced", "charge");
    const aimcc_op *forced = add_layer(f, "forced");
    const aimcc_op *free_op = add_layer(f, "free");
    run_select(f);
    assert_int_equal(forced->kind, 1);
    assert_non_null(strstr(forced->kind_reason, "forced by select.force"));
    assert_int_equal(free_op->kind, 0);
}

static void test_select_force_unknown_fails(void **state)
{
    fixture *f = *state;
    add_option(f, "select.force", "fc", "optical");
    add_layer(f, "fc");
    assert_int_equal(aimcc_pass_select_domain.run(f->module, f->ctx), AIMCC_ERR_INVALID_ARG);
    const aimcc_diag *diag = aimcc_ctx_diag(f->ctx);
    assert_string_equal(diag->node, "fc");
    assert_non_null(strstr(diag->message, "select.force[fc]=optical"));
    assert_non_null(strstr(diag->message, "noisy (current), clean (charge)"));
}

/* The clean kind's phases of 1 ns beat one noisy phase of 1 us. */
static void test_select_latency_objective(void **state)
{
    fixture *f = *state;
    add_option(f, "select.max_error", NULL, "1");
    add_option(f, "select.objective", NULL, "latency");
    const aimcc_op *op = add_layer(f, "fc");
    run_select(f);
    assert_int_equal(op->kind, 1);
    assert_non_null(strstr(op->kind_reason, "lowest latency: \"clean\""));
}

/* Tiles run out: 8 layers of one 64x64 tile each fill the noisy kind's 8
 * tiles, and the ninth goes to the clean kind, whose reason names the full kind. */
static void test_select_full_kind_skipped(void **state)
{
    fixture *f = *state;
    /* Nine layers share the budget: sqrt(9) x 0.38 needs more than 1. */
    add_option(f, "select.max_error", NULL, "10");
    char names[9][8];
    const aimcc_op *ops[9];
    for (int i = 0; i < 9; i++) {
        snprintf(names[i], sizeof names[i], "l%d", i);
        ops[i] = add_layer(f, names[i]);
    }
    run_select(f);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ops[i]->kind, 0);
    assert_int_equal(ops[8]->kind, 1);
    assert_non_null(strstr(ops[8]->kind_reason, "no room on \"noisy\" needs 1 tiles, 0 free"));
}

static void test_select_force_unknown_node_fails(void **state)
{
    fixture *f = *state;
    add_option(f, "select.force", "fc_typo", "clean");
    add_layer(f, "fc");
    assert_int_equal(aimcc_pass_select_domain.run(f->module, f->ctx), AIMCC_ERR_INVALID_ARG);
    const char *message = aimcc_ctx_diag(f->ctx)->message;
    assert_non_null(strstr(message, "select.force[fc_typo] names no linear layer"));
    assert_non_null(strstr(message, "such as \"fc\""));
}

/* Eight 8 x 1 layers on the noisy kind's 64 x 64 tiles. Each block takes 8
 * rows and 2 columns (a differential pair), so the map pass packs all eight
 * diagonally onto one tile, and one tile of budget holds them. */
static void test_select_small_layers_share_tile(void **state)
{
    fixture *f = *state;
    f->kinds[0].n_tiles = 1;
    add_option(f, "select.max_error", NULL, "100");
    char names[9][8];
    const aimcc_op *ops[9];
    for (int i = 0; i < 9; i++) {
        snprintf(names[i], sizeof names[i], "s%d", i);
        ops[i] = add_matrix(f, names[i], 8, 1);
    }
    run_select(f);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ops[i]->kind, 0);
    /* The ninth finds no free row left on that tile. */
    assert_int_equal(ops[8]->kind, 1);
    assert_non_null(strstr(ops[8]->kind_reason, "no room on \"noisy\" needs 1 tiles, 0 free"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_select_one_kind_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_cheapest_within_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_tight_budget_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_forced_domain_obeyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_force_unknown_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_latency_objective, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_full_kind_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_small_layers_share_tile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_force_unknown_node_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
