/* SPDX-License-Identifier: MIT */
/*
 * Tests of the cost model (passes/cost_model.h). Energy and latency of a
 * one-tile layer in each of the six compute domains are checked against the
 * formulas of docs/cost-model.md worked by hand. So are the digital
 * accumulation of row blocks, the tile area and the closed-form error.
 */
#include "test_support.h"

#include <math.h>
#include <string.h>

#include "ir/arena.h"
#include "ir/ir.h"
#include "ir/target.h"
#include "passes/cost_model.h"
#include "passes/kind_layout.h"

/* The same cost parameters on every kind: FoM 20 fJ, conversion 50 ns, DAC
 * 100 fJ, cell 40 fJ, column 10 fJ, phase 250 ns, shift-add 5 fJ. */
static aimcc_tile_kind make_kind(aimcc_domain domain, int64_t rows, int64_t cols,
                                 const char *encoding, int cell_bits, const char *input_mode,
                                 int adc_bits, double adc_share)
{
    aimcc_tile_kind kind;
    memset(&kind, 0, sizeof kind);
    kind.name = "k";
    kind.domain = domain;
    kind.rows = rows;
    kind.cols = cols;
    kind.n_tiles = 16;
    kind.cell = "sram";
    kind.weight_bits = 8;
    kind.cell_bits = cell_bits;
    kind.encoding = encoding;
    kind.input_mode = input_mode;
    kind.input_bits = 8;
    kind.adc_range = "calibrated";
    kind.adc_bits = adc_bits;
    aimrt_kind_params_defaults(&kind.params);
    double *v = kind.params.value;
    v[AIMRT_PARAM_COST_ADC_FOM] = 20e-15;
    v[AIMRT_PARAM_COST_ADC_TIME] = 50e-9;
    v[AIMRT_PARAM_COST_ADC_SHARE] = adc_share;
    v[AIMRT_PARAM_COST_DAC_ENERGY] = 100e-15;
    v[AIMRT_PARAM_COST_CELL_ENERGY] = 40e-15;
    v[AIMRT_PARAM_COST_COLUMN_ENERGY] = 10e-15;
    v[AIMRT_PARAM_COST_PHASE_TIME] = 250e-9;
    v[AIMRT_PARAM_COST_DIGITAL_ENERGY] = 5e-15;
    return kind;
}

/* Checks a 100 x n layer, one MVM, on one tile of kind against energy (pJ)
 * and latency (ns) worked by hand. */
static void check_one_tile(const aimcc_tile_kind *kind, int64_t n, double energy_pj,
                           double adc_pj, double latency_ns)
{
    const aimcc_cost_stats stats = {.weight_rms = 0.5, .column_spread = 1.0, .input_rms = 0.25};
    const int32_t phases = aimcc_kind_phases(kind, aimcc_kind_input_sign(kind));
    aimcc_cost_layer layer;
    assert_true(aimcc_cost_layer_trial(kind, 100, n, phases, 1.0, &stats, &layer));
    assert_int_equal(layer.tiles, 1);
    assert_int_equal(layer.row_blocks, 1);
    if (fabs(layer.energy_j * 1e12 - energy_pj) > 1e-9 * energy_pj ||
        fabs(layer.adc_j * 1e12 - adc_pj) > 1e-9 * adc_pj ||
        fabs(layer.latency_s * 1e9 - latency_ns) > 1e-9 * latency_ns)
        fail_msg("domain %s: energy %.6f pJ (want %.6f), ADC %.6f pJ (want %.6f), latency "
                 "%.6f ns (want %.6f)",
                 aimcc_domain_name(kind->domain), layer.energy_j * 1e12, energy_pj,
                 layer.adc_j * 1e12, adc_pj, layer.latency_s * 1e9, latency_ns);
    assert_true(fabs(layer.macs - 100.0 * (double)n) < 1e-9);
}

/* Current: 512x512 PCM, differential 8/8 bits (S 1, P 2), amplitude input
 * (1 phase), 8-bit ADC per column. 10 outputs take 20 columns.
 * DAC 100 x 100 fJ = 10 pJ; array 100 x 20 x 40 fJ + 20 x 10 fJ = 80.2 pJ;
 * ADC 20 x 20 fJ x 2^8 = 102.4 pJ; shift-add 20 x 5 fJ = 0.1 pJ: 192.7 pJ.
 * Latency 250 ns + 1 x 50 ns = 300 ns. */
static void test_cost_current_one_tile(void **state)
{
    (void)state;
    const aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_CURRENT, 512, 512, "differential", 8, "amplitude", 8, 1);
    check_one_tile(&kind, 10, 192.7, 102.4, 300.0);
}

/* Charge: 256x256 SRAM, two's complement (S 8), bit-serial 8 phases, 6-bit
 * ADC shared by 4 columns (64 ADCs). 10 outputs take 80 columns.
 * DAC 8 x 100 x 100 fJ = 80 pJ; array 8 x (100 x 80 x 40 fJ + 80 x 10 fJ)
 * = 2566.4 pJ; ADC 640 x 20 fJ x 64 = 819.2 pJ; shift-add 640 x 5 fJ =
 * 3.2 pJ: 3468.8 pJ. Latency 8 x (250 + ceil(80/64) x 50) = 2800 ns. */
static void test_cost_charge_one_tile(void **state)
{
    (void)state;
    const aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_CHARGE, 256, 256, "twos-complement", 1, "bit-serial", 6, 4);
    check_one_tile(&kind, 10, 3468.8, 819.2, 2800.0);
}

/* Charge redistribution: as charge with an 8-bit ADC per column: ADC 640 x
 * 20 fJ x 256 = 3276.8 pJ, total 5926.4 pJ; latency 8 x 300 = 2400 ns. */
static void test_cost_charge_redist_one_tile(void **state)
{
    (void)state;
    const aimcc_tile_kind kind = make_kind(AIMCC_DOMAIN_CHARGE_REDIST, 256, 256,
                                           "twos-complement", 1, "bit-serial", 8, 1);
    check_one_tile(&kind, 10, 5926.4, 3276.8, 2400.0);
}

/* Capacitive division: 256x64, offset encoding (S 8 plus 8 reference
 * columns), bit-serial 8, 5-bit ADC. 5 outputs take 48 columns.
 * DAC 80 pJ; array 8 x (100 x 48 x 40 fJ + 48 x 10 fJ) = 1539.84 pJ; ADC 384 x
 * 20 fJ x 32 = 245.76 pJ; shift-add 384 x 5 fJ = 1.92 pJ: 1867.52 pJ.
 * Latency 8 x 300 = 2400 ns. */
static void test_cost_capdiv_one_tile(void **state)
{
    (void)state;
    const aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_CAPDIV, 256, 64, "offset", 1, "bit-serial", 5, 1);
    check_one_tile(&kind, 5, 1867.52, 245.76, 2400.0);
}

/* Resistive division: 256x256 RRAM, constant-sum pairs of 4-bit cells (S 2,
 * P 2), bit-serial 8, 8-bit ADC shared by 8 columns (32 ADCs). 10 outputs take
 * 40 columns. DAC 80 pJ; array 8 x (100 x 40 x 40 fJ + 40 x 10 fJ) =
 * 1283.2 pJ; ADC 320 x 5.12 pJ = 1638.4 pJ; shift-add 1.6 pJ: 3003.2 pJ.
 * Latency 8 x (250 + ceil(40/32) x 50) = 2800 ns. */
static void test_cost_resdiv_one_tile(void **state)
{
    (void)state;
    const aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_RESDIV, 256, 256, "constant-sum", 4, "bit-serial", 8, 8);
    check_one_tile(&kind, 10, 3003.2, 1638.4, 2800.0);
}

/* Time: 128x128, differential 1-bit cells (S 7, P 2), PWM input (1 phase),
 * 8-bit TDC. 5 outputs take 70 columns. DAC 10 pJ; array 100 x 70 x 40 fJ +
 * 70 x 10 fJ = 280.7 pJ; TDC 70 x 5.12 pJ = 358.4 pJ; shift-add 0.35 pJ:
 * 649.45 pJ. Latency 250 + 50 = 300 ns. */
static void test_cost_time_one_tile(void **state)
{
    (void)state;
    const aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_TIME, 128, 128, "differential", 1, "pwm", 8, 1);
    check_one_tile(&kind, 5, 649.45, 358.4, 300.0);
}

/* 600 rows on 256-row tiles take 3 row blocks (256, 256, 88) and 2 x 4
 * partial-sum adds per MVM; 5 MVMs run one after another on the tiles. */
static void test_cost_row_blocks_accumulate(void **state)
{
    (void)state;
    const aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_CURRENT, 256, 256, "differential", 8, "amplitude", 8, 1);
    const aimcc_cost_stats stats = {.weight_rms = 0.5, .column_spread = 1.0, .input_rms = 0.25};
    aimcc_cost_layer layer;
    assert_true(aimcc_cost_layer_trial(&kind, 600, 4, 1, 5.0, &stats, &layer));
    assert_int_equal(layer.tiles, 3);
    assert_int_equal(layer.row_blocks, 3);
    /* Per MVM: DAC 600 x 0.1 pJ = 60; array 600 x 8 x 40 fJ + 3 x 8 x 10 fJ =
     * 192.24; ADC 24 x 5.12 = 122.88; shift-add 24 x 5 fJ + 2 x 4 x 5 fJ = 0.16:
     * 375.28 pJ, 1876.4 pJ for 5 MVMs; latency 5 x 300 ns. */
    assert_true(fabs(layer.energy_j * 1e12 - 1876.4) < 1e-6);
    assert_true(fabs(layer.digital_j * 1e12 - 0.8) < 1e-9);
    assert_true(fabs(layer.latency_s * 1e9 - 1500.0) < 1e-6);
}

/* A 256x64 tile: 16384 cells of 0.5 um^2, 16 ADCs (4 columns each) of
 * 300 um^2, 256 drivers of 2 um^2 and 1000 um^2 of periphery: 14504 um^2. */
static void test_cost_tile_area_sum(void **state)
{
    (void)state;
    aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_CAPDIV, 256, 64, "offset", 1, "bit-serial", 5, 4);
    kind.params.value[AIMRT_PARAM_COST_CELL_AREA] = 0.5e-12;
    kind.params.value[AIMRT_PARAM_COST_ADC_AREA] = 300e-12;
    kind.params.value[AIMRT_PARAM_COST_DAC_AREA] = 2e-12;
    kind.params.value[AIMRT_PARAM_COST_PERIPHERY_AREA] = 1000e-12;
    assert_true(fabs(aimcc_cost_tile_area(&kind) * 1e12 - 14504.0) < 1e-6);
}

/* With output noise 0.04 alone and an 8-bit ADC, one slice and one phase:
 * rms output sqrt(100) x 0.25 x 0.5 = 1.25, so noise 0.032 and quantization
 * 2 x 4 / (256 sqrt(12)) = 0.0090211; together sqrt(sum of squares). */
static void test_cost_error_closed_form(void **state)
{
    (void)state;
    aimcc_tile_kind kind =
        make_kind(AIMCC_DOMAIN_CURRENT, 512, 512, "differential", 8, "amplitude", 8, 1);
    kind.params.value[AIMRT_PARAM_OUTPUT_NOISE] = 0.04;
    const aimcc_cost_stats stats = {.weight_rms = 0.5, .column_spread = 1.0, .input_rms = 0.25};
    const double quantization = 8.0 / (256.0 * sqrt(12.0));
    const double want = sqrt(0.032 * 0.032 + quantization * quantization);
    assert_true(fabs(aimcc_cost_error(&kind, 100, 1, &stats) - want) < 1e-12);

    /* Eight bit-serial phases shrink per-conversion errors by
     * sqrt((4^8 - 1) / 3) / (2^8 - 1) = 0.57948. */
    aimcc_tile_kind serial =
        make_kind(AIMCC_DOMAIN_CHARGE, 256, 256, "twos-complement", 1, "bit-serial", 8, 1);
    const double slices = sqrt((pow(4.0, 8) - 1.0) / 3.0) / 255.0;
    const double want_serial = slices * slices * quantization;
    assert_true(fabs(aimcc_cost_error(&serial, 100, 8, &stats) - want_serial) < 1e-12);
}

/* An im2col input [N, 196, 200] runs 196 MVMs per sample. The weight
 * [[3, 1], [-4, 0]] has column rms/max sqrt(12.5)/4 and sqrt(0.5)/1. Its
 * squared column norms are 25 and 1, so the spread is sqrt(25 / 13). */
static void test_cost_mvms_and_stats(void **state)
{
    (void)state;
    aimcc_arena *arena = aimcc_arena_create();
    aimcc_module *module = aimcc_ir_module_create(arena, "m");
    assert_non_null(module);
    const int64_t x_dims[3] = {1, 196, 200};
    aimcc_value *x = aimcc_ir_value_add(module, "x", AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, 3,
                                        x_dims, NULL);
    assert_non_null(x);
    x->batched = true;
    aimcc_value *inputs[1] = {x};
    const aimcc_op op = {.code = AIMRT_OP_LINEAR, .n_inputs = 1, .inputs = inputs};
    assert_true(aimcc_cost_mvms(&op) == 196.0);
    x->batched = false;
    assert_true(aimcc_cost_mvms(&op) == 196.0);

    static const float w[4] = {3.0f, 1.0f, -4.0f, 0.0f};
    const int64_t w_dims[2] = {2, 2};
    const aimcc_value *weight =
        aimcc_ir_value_add(module, "w", AIMCC_VALUE_CONST, AIMRT_DTYPE_FLOAT, 2, w_dims, w);
    assert_non_null(weight);
    aimcc_cost_stats stats;
    aimcc_cost_stats_of(weight, &stats);
    const double want_rms = 0.5 * (sqrt(12.5) / 4.0 + sqrt(0.5));
    assert_true(fabs(stats.weight_rms - want_rms) < 1e-12);
    assert_true(fabs(stats.column_spread - sqrt(25.0 / 13.0)) < 1e-12);
    assert_true(stats.input_rms == 0.25);
    aimcc_arena_destroy(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_current_one_tile),
        cmocka_unit_test(test_cost_charge_one_tile),
        cmocka_unit_test(test_cost_charge_redist_one_tile),
        cmocka_unit_test(test_cost_capdiv_one_tile),
        cmocka_unit_test(test_cost_resdiv_one_tile),
        cmocka_unit_test(test_cost_time_one_tile),
        cmocka_unit_test(test_cost_row_blocks_accumulate),
        cmocka_unit_test(test_cost_tile_area_sum),
        cmocka_unit_test(test_cost_error_closed_form),
        cmocka_unit_test(test_cost_mvms_and_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
