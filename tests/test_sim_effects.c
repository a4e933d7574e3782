/* SPDX-License-Identifier: MIT */
/*
 * The sim device's effects on a small one-tile program whose kind
 * parameters the test sets. Each effect moves the outputs by the closed form
 * the test computes by hand: first-order IR drop along a row, stuck-at
 * faults, DAC asymmetry, the RRAM relaxation mean, ADC clipping at a range
 * from set_adc_range. Cached static draws keep the domain's bits, seeds fix
 * the noise, recorded signals give quantiles within the histogram's
 * resolution, and an unset required parameter fails naming itself.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the standard headers above. */
#include <cmocka.h>

#include "aimrt/device.h"
#include "aimrt/log.h"
#include "program_internal.h"
#include "sim/domain.h"

#define MAX_ROWS 8
#define MAX_COLS 4
#define MAX_VECS 1000

/* A one-tile program of rows x cols cells with cell_bits 4 (top 15) and
 * 8-bit amplitude inputs (full scale 127). */
typedef struct one_tile {
    aimrt_program program;
    program_kind kind;
    program_tile tile;
} one_tile;

static void one_tile_init(one_tile *p, int domain, const char *cell, int64_t rows, int64_t cols,
                          int adc_bits)
{
    memset(p, 0, sizeof *p);
    p->kind.name = "k";
    p->kind.domain = domain;
    p->kind.rows = rows;
    p->kind.cols = cols;
    p->kind.weight_bits = 4;
    p->kind.cell_bits = 4;
    p->kind.cell = cell;
    p->kind.input_mode = AIMRT_INPUT_AMPLITUDE;
    p->kind.input_bits = 8;
    p->kind.adc_bits = adc_bits;
    aimrt_kind_params_defaults(&p->kind.params);
    p->tile.kind = 0;
    p->tile.rows = rows;
    p->tile.cols = cols;
    p->program.n_kinds = 1;
    p->program.kinds = &p->kind;
    p->program.n_tiles = 1;
    p->program.tiles = &p->tile;
}

static void set_param(one_tile *p, aimrt_param id, double value)
{
    p->kind.params.value[id] = value;
    p->kind.params.given[id] = true;
}

static aimrt_device *sim_create(const one_tile *p, uint64_t seed, double time_s, uint32_t flags)
{
    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    options.seed = seed;
    options.time_s = time_s;
    options.flags = flags;
    aimrt_device *device = NULL;
    assert_int_equal(aimrt_device_sim_create(&p->program, &options, &device), AIMRT_OK);
    return device;
}

static void sim_free(aimrt_device *device)
{
    device->destroy(device->state);
    aimrt_device_free(device);
}

static void write_levels(aimrt_device *device, const one_tile *p, const float *levels)
{
    const aimrt_tile_desc desc = {.tile = 0, .kind = 0, .rows = p->tile.rows,
                                  .cols = p->tile.cols, .cell_bits = 4};
    assert_int_equal(device->write_tile(device->state, &desc, levels), AIMRT_OK);
}

/* One MVM of n vectors over the whole tile, vector v at sample first + v. */
static void mvm(aimrt_device *device, const one_tile *p, int64_t n, int64_t first, const float *x,
                double *y)
{
    static int64_t sample[MAX_VECS], index[MAX_VECS];
    for (int64_t v = 0; v < n; v++) {
        sample[v] = first + v;
        index[v] = 0;
    }
    assert_int_equal(device->mvm(device->state, 0, 0, p->tile.rows, 0, p->tile.cols, n, x, y,
                                 sample, index),
                     AIMRT_OK);
}

/* A lossless readout rounds to the nearest integer, so a model's output lies
 * within half a level unit of its closed form. */
static void assert_near_level(double got, double expected)
{
    if (!(fabs(got - expected) <= 0.5 + 1e-9))
        fail_msg("output %.6f, closed form %.6f", got, expected);
}

/*
 * One driven row of N cells at G = g_max, input x, no driver or sense
 * resistance. Row segment k carries (N - k) I, so node j drops by
 * r_row I sum_{k <= j} (N - k) = r_row I (j + 1)(2N - j) / 2, and the column
 * wire adds r_col I at the one cell. Column j reads
 * L x (1 - r_row G (j + 1)(2N - j) / 2 - r_col G).
 */
static void test_ir_drop_first_order_row(void **state)
{
    (void)state;
    enum { N = MAX_COLS };
    one_tile p;
    one_tile_init(&p, 0, "sram", 1, N, 0);
    set_param(&p, AIMRT_PARAM_IR_DROP, 1.0);
    set_param(&p, AIMRT_PARAM_R_ROW, 100.0);
    set_param(&p, AIMRT_PARAM_R_COL, 40.0);
    aimrt_device *device = sim_create(&p, 1, 0.0, 0);
    const float levels[N] = {15, 15, 15, 15};
    write_levels(device, &p, levels);
    const float x[1] = {127};
    double y[N];
    mvm(device, &p, 1, 0, x, y);
    const double g = 25e-6; /* g_max of the registry, level 15 of 15 */
    for (int j = 0; j < N; j++) {
        const double expected =
            15.0 * 127.0 * (1.0 - 100.0 * g * (j + 1) * (2 * N - j) / 2.0 - 40.0 * g);
        assert_near_level(y[j], expected);
        assert_true(y[j] < 15.0 * 127.0); /* the drop only lowers the current */
    }
    sim_free(device);
}

/* On a 3 x 4 tile with every wire resistance set, the device's one-matrix
 * form of the first-order model gives the per-vector model's currents. */
static void test_ir_drop_matches_model(void **state)
{
    (void)state;
    enum { R = 3, C = 4 };
    one_tile p;
    one_tile_init(&p, 0, "sram", R, C, 0);
    set_param(&p, AIMRT_PARAM_IR_DROP, 1.0);
    set_param(&p, AIMRT_PARAM_R_ROW, 150.0);
    set_param(&p, AIMRT_PARAM_R_COL, 90.0);
    set_param(&p, AIMRT_PARAM_R_DRIVER, 200.0);
    set_param(&p, AIMRT_PARAM_R_SENSE, 120.0);
    aimrt_device *device = sim_create(&p, 1, 0.0, 0);
    const float levels[R * C] = {15, 3, 8, 12, 0, 9, 15, 6, 11, 14, 2, 7};
    write_levels(device, &p, levels);
    const float x[R] = {127, -50, 90};
    double y[C];
    mvm(device, &p, 1, 0, x, y);
    sim_free(device);

    const double g_level = 25e-6 / 15.0;
    double g[R * C], v[R], current[C], work[2 * C];
    for (int i = 0; i < R * C; i++)
        g[i] = levels[i] * g_level;
    for (int r = 0; r < R; r++)
        v[r] = x[r];
    const aimrt_sim_wires wires = {.r_row_ohm = 150.0, .r_col_ohm = 90.0, .r_driver_ohm = 200.0,
                                   .r_sense_ohm = 120.0};
    aimrt_sim_ir_drop_first_order(&wires, R, C, g, v, current, work);
    for (int c = 0; c < C; c++) {
        double ideal = 0.0;
        for (int r = 0; r < R; r++)
            ideal += levels[r * C + c] * x[r];
        assert_near_level(y[c], current[c] / g_level);
        assert_true(fabs(y[c] - ideal) > 5.0); /* the wires move every column */
    }
}

/* Every cell stuck: SA0 at g_min (5 uS of 25: level 3), SA1 at g_max (level 15). */
static void test_faults_stick_cells(void **state)
{
    (void)state;
    static const struct {
        aimrt_param id;
        double level;
    } cases[] = {{AIMRT_PARAM_FAULT_SA0, 3.0}, {AIMRT_PARAM_FAULT_SA1, 15.0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        one_tile p;
        one_tile_init(&p, 0, "sram", 2, 2, 0);
        set_param(&p, AIMRT_PARAM_G_MIN, 5.0);
        set_param(&p, cases[k].id, 1.0);
        aimrt_device *device = sim_create(&p, 3, 0.0, 0);
        const float levels[4] = {0, 7, 9, 15};
        write_levels(device, &p, levels);
        const float x[2] = {10, -4};
        double y[2];
        mvm(device, &p, 1, 0, x, y);
        assert_near_level(y[0], cases[k].level * 6.0);
        assert_near_level(y[1], cases[k].level * 6.0);
        sim_free(device);
    }
}

/* Asymmetry 0.5 drives negative inputs at half strength: exact integers here. */
static void test_dac_asymmetry_halves_negatives(void **state)
{
    (void)state;
    one_tile p;
    one_tile_init(&p, 0, "sram", 2, 2, 0);
    set_param(&p, AIMRT_PARAM_DAC_ASYMMETRY, 0.5);
    aimrt_device *device = sim_create(&p, 1, 0.0, 0);
    const float levels[4] = {3, 5, 7, 2};
    write_levels(device, &p, levels);
    const float x[2] = {20, -40};
    double y[2];
    mvm(device, &p, 1, 0, x, y);
    assert_true(y[0] == 3.0 * 20.0 - 7.0 * 20.0);
    assert_true(y[1] == 5.0 * 20.0 - 2.0 * 20.0);
    sim_free(device);
}

/* RRAM with no spread: at t each cell moves by a ln t uS, a ln t 15 / 25 levels. */
static void test_rram_relaxation_mean_shift(void **state)
{
    (void)state;
    one_tile p;
    one_tile_init(&p, 0, "rram", 4, 2, 0);
    set_param(&p, AIMRT_PARAM_RRAM_STD_PER_LN_S, 0.0);
    set_param(&p, AIMRT_PARAM_RRAM_STD, 0.0);
    const double t = 1e4, a = -0.0890;
    aimrt_device *device = sim_create(&p, 1, t, 0);
    const float levels[8] = {8, 10, 9, 12, 15, 11, 7, 13};
    write_levels(device, &p, levels);
    const float x[4] = {100, 50, -30, 80};
    double y[2];
    mvm(device, &p, 1, 0, x, y);
    const double shift = a * log(t) * 15.0 / 25.0;
    for (int c = 0; c < 2; c++) {
        double expected = 0.0, ideal = 0.0;
        for (int r = 0; r < 4; r++) {
            expected += x[r] * (levels[r * 2 + c] + shift);
            ideal += x[r] * levels[r * 2 + c];
        }
        assert_near_level(y[c], expected);
        /* The inputs sum to 200, so the column falls by about 98 levels. */
        assert_true(y[c] < ideal - 90.0);
    }
    /* At t = 0 the relaxation has not started. */
    assert_int_equal(device->set_time(device->state, 0.0), AIMRT_OK);
    mvm(device, &p, 1, 0, x, y);
    if (y[0] != 100.0 * 8 + 50.0 * 9 - 30.0 * 15 + 80.0 * 7)
        fail_msg("at 0 s column 0 reads %.6f", y[0]);
    sim_free(device);
}

/* A set range R gives LSB R / 127 on an 8-bit ADC: sums clip at -128 and
 * 127 LSB and round to the nearest LSB, halfway up. */
static void test_adc_range_clips_at_set(void **state)
{
    (void)state;
    one_tile p;
    one_tile_init(&p, 0, "sram", 2, 4, 8);
    aimrt_device *device = sim_create(&p, 1, 0.0, 0);
    const float levels[8] = {10, 1, 10, 3, 0, 0, 0, 0};
    write_levels(device, &p, levels);
    aimrt_status (*set_range)(void *, int32_t, int64_t, int64_t, const float *) =
        aimrt_device_set_adc_range(device);
    assert_non_null(set_range);
    const float range[4] = {254.0f, 254.0f, 254.0f, 0.5f * 127.0f};
    assert_int_equal(set_range(device->state, 0, 0, 4, range), AIMRT_OK);
    const float x[2] = {100, 0};
    double y[4];
    mvm(device, &p, 1, 0, x, y);
    assert_true(y[0] == 254.0); /* 1000 clips at 127 LSB of 2 */
    assert_true(y[1] == 100.0); /* 100 is 50 LSB */
    assert_true(y[2] == 254.0);
    assert_true(y[3] == 63.5);  /* 300 clips at 127 LSB of 0.5 */
    const float x_neg[2] = {-100, 0};
    mvm(device, &p, 1, 0, x_neg, y);
    assert_true(y[0] == -256.0); /* the lowest code, -128 LSB */
    /* Bad ranges and columns are refused. */
    const float bad[1] = {-1.0f};
    assert_int_equal(set_range(device->state, 0, 0, 1, bad), AIMRT_ERR_INVALID_ARG);
    assert_int_equal(set_range(device->state, 0, 3, 2, range), AIMRT_ERR_INVALID_ARG);
    sim_free(device);
}

/* The same seed draws the same noise, another seed other noise. */
static void test_seed_fixes_pcm_noise(void **state)
{
    (void)state;
    double y[3][MAX_COLS];
    const uint64_t seeds[3] = {5, 5, 6};
    for (int k = 0; k < 3; k++) {
        one_tile p;
        one_tile_init(&p, 0, "pcm", 4, 4, 0);
        set_param(&p, AIMRT_PARAM_READ_MVM, 0.0175);
        set_param(&p, AIMRT_PARAM_OUTPUT_NOISE, 0.04);
        aimrt_device *device = sim_create(&p, seeds[k], 3600.0, 0);
        float levels[16];
        for (int i = 0; i < 16; i++)
            levels[i] = (float)(i % 16);
        write_levels(device, &p, levels);
        const float x[4] = {127, -60, 33, 90};
        mvm(device, &p, 1, 7, x, y[k]);
        sim_free(device);
    }
    assert_memory_equal(y[0], y[1], sizeof y[0]);
    int differ = 0;
    for (int c = 0; c < MAX_COLS; c++)
        differ += y[0][c] != y[2][c];
    assert_true(differ >= 3);
}

/*
 * The charge domain through the device (static draws cached when the tile
 * is written) equals the domain function drawing them itself.
 */
static void test_cached_statics_keep_bits(void **state)
{
    (void)state;
    enum { R = 6, C = 3, V = 5 };
    one_tile p;
    one_tile_init(&p, 1, "sram", R, C, 6);
    p.kind.cell_bits = 1;
    p.kind.input_mode = AIMRT_INPUT_BIT_SERIAL;
    set_param(&p, AIMRT_PARAM_C_BITLINE, 100e-15);
    set_param(&p, AIMRT_PARAM_V_PRECHARGE, 0.8);
    set_param(&p, AIMRT_PARAM_I_CELL, 1e-6);
    set_param(&p, AIMRT_PARAM_T_LSB, 100e-12);
    set_param(&p, AIMRT_PARAM_SIGMA_I_REL, 0.1);
    set_param(&p, AIMRT_PARAM_NODE_DEPENDENCE, 1.0);
    set_param(&p, AIMRT_PARAM_COMPARATOR_OFFSET, 3e-3);
    set_param(&p, AIMRT_PARAM_COMPARATOR_NOISE, 0.3e-3);
    set_param(&p, AIMRT_PARAM_C_SAMPLE, 100e-15);
    set_param(&p, AIMRT_PARAM_PWM_EDGE_ERROR, 5e-12);
    aimrt_device *device = sim_create(&p, 11, 0.0, 0);
    float levels[R * C];
    double cells[R * C];
    for (int i = 0; i < R * C; i++)
        cells[i] = levels[i] = (float)((i * 7) % 3 != 0);
    const aimrt_tile_desc desc = {.tile = 0, .kind = 0, .rows = R, .cols = C, .cell_bits = 1};
    assert_int_equal(device->write_tile(device->state, &desc, levels), AIMRT_OK);
    float x[V * R];
    double xd[V * R];
    for (int i = 0; i < V * R; i++)
        xd[i] = x[i] = (float)((i * 5) % 2);
    double got[V * C], want[V * C];
    mvm(device, &p, V, 40, x, got);
    sim_free(device);

    int64_t sample[V], index[V];
    for (int v = 0; v < V; v++)
        sample[v] = 40 + v, index[v] = 0;
    aimrt_sim_charge_params params = {
        .c_bitline_f = 100e-15, .v_precharge_v = 0.8, .i_cell_max_a = 1e-6,
        .pwm = {.bits = AIMRT_SIM_MAX_CONVERTER_BITS, .is_signed = true, .t_lsb_s = 100e-12,
                .sigma_edge_s = 5e-12},
        .node_voltage_dependence = true, .sigma_i_rel = 0.1,
        .readout = {.kind = AIMRT_SIM_READOUT_CONVERTER, .bits = 6, .lsb_level = 1.0,
                    .comparator = {.sigma_offset_v = 3e-3, .sigma_noise_v = 0.3e-3},
                    .ktc_temperature_k = 300.0}};
    const aimrt_sim_domain_block block = {.n_rows = R, .n_cols = C, .cells = cells,
                                          .cell_stride = C, .top_level = 1.0, .n_vectors = V,
                                          .x = xd, .x_full = 1.0};
    const aimrt_sim_domain_keys keys = {.seed = 11, .tile = 0, .tile_cols = C, .sample = sample,
                                        .mvm = index};
    aimrt_error error = {0};
    assert_int_equal(aimrt_sim_domain_charge(&params, &block, &keys, want, NULL, &error), AIMRT_OK);
    assert_memory_equal(got, want, sizeof got);
}

/* Column 0 receives the sums 1 .. 1000 once each: its median is 500 and its
 * maximum 1000, read back within the bins' 2.2 % width. */
static void test_signal_quantile_of_ramp(void **state)
{
    (void)state;
    one_tile p;
    one_tile_init(&p, 0, "sram", 1, 1, 0);
    aimrt_device *device = sim_create(&p, 1, 0.0, AIMRT_SIM_RECORD_SIGNALS);
    const float levels[1] = {10};
    write_levels(device, &p, levels);
    static float x[MAX_VECS];
    static double y[MAX_VECS];
    for (int v = 0; v < MAX_VECS; v++)
        x[v] = (float)(v + 1) / 10.0f; /* sums of 10 x: 1 .. 1000 */
    mvm(device, &p, MAX_VECS, 0, x, y);
    double median = 0.0, top = 0.0;
    assert_int_equal(aimrt_device_sim_signal_quantile(device, 0, 0, 0.5, &median), AIMRT_OK);
    assert_int_equal(aimrt_device_sim_signal_quantile(device, 0, 0, 1.0, &top), AIMRT_OK);
    assert_true(fabs(median / 500.0 - 1.0) < 0.022);
    assert_true(fabs(top / 1000.0 - 1.0) < 0.022);
    assert_int_equal(aimrt_device_sim_signal_quantile(device, 0, 1, 0.5, &median),
                     AIMRT_ERR_INVALID_ARG);
    assert_int_equal(aimrt_device_sim_signal_quantile(device, 0, 0, 0.0, &median),
                     AIMRT_ERR_INVALID_ARG);
    sim_free(device);
    /* Without the flag the device keeps no signals. */
    device = sim_create(&p, 1, 0.0, 0);
    assert_int_equal(aimrt_device_sim_signal_quantile(device, 0, 0, 0.5, &median),
                     AIMRT_ERR_INVALID_ARG);
    sim_free(device);
}

static char logged[512];

static void keep_message(aimrt_log_level level, const char *message, void *user)
{
    (void)level;
    (void)user;
    snprintf(logged, sizeof logged, "%s", message);
}

/* The charge domain needs its bitline: without it creation fails and the
 * logged line names the kind and the parameter's path. */
static void test_unset_required_parameter_fails(void **state)
{
    (void)state;
    one_tile p;
    one_tile_init(&p, 1, "sram", 2, 2, 6);
    p.kind.name = "bitline-less";
    set_param(&p, AIMRT_PARAM_V_PRECHARGE, 0.8);
    set_param(&p, AIMRT_PARAM_I_CELL, 1e-6);
    set_param(&p, AIMRT_PARAM_T_LSB, 100e-12);
    logged[0] = '\0';
    aimrt_log_set_callback(keep_message, NULL);
    aimrt_sim_options options;
    aimrt_sim_options_defaults(&options);
    aimrt_device *device = (aimrt_device *)&options;
    assert_int_equal(aimrt_device_sim_create(&p.program, &options, &device), AIMRT_ERR_UNSUPPORTED);
    aimrt_log_set_callback(NULL, NULL);
    assert_null(device);
    assert_non_null(strstr(logged, "bitline-less"));
    assert_non_null(strstr(logged, "circuit.charge.c_bitline"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ir_drop_first_order_row),
        cmocka_unit_test(test_ir_drop_matches_model),
        cmocka_unit_test(test_faults_stick_cells),
        cmocka_unit_test(test_dac_asymmetry_halves_negatives),
        cmocka_unit_test(test_rram_relaxation_mean_shift),
        cmocka_unit_test(test_adc_range_clips_at_set),
        cmocka_unit_test(test_seed_fixes_pcm_noise),
        cmocka_unit_test(test_cached_statics_keep_bits),
        cmocka_unit_test(test_signal_quantile_of_ramp),
        cmocka_unit_test(test_unset_required_parameter_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
