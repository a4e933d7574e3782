/* SPDX-License-Identifier: MIT */
/*
 * The calibrate pass's parts inside libaimcc: the bounded histogram of |x|
 * and the input-range rules (calibrate_range.c), the deterministic probe
 * sample (calibrate_sample.c), the runs of the program on the exact and sim
 * devices (calibrate_run.c), the ADC ranges (calibrate_adc.c) and the
 * operands the pass adds to each LINEAR op (calibrate_operands.c).
 * docs/calibration.md describes what the pass computes.
 */
#ifndef AIMCC_CALIBRATE_H
#define AIMCC_CALIBRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "aimrt/aimrt.h"
#include "ir/ir.h"

#define CALIBRATE_PASS "calibrate"

/* Defaults of calibrate.seed and calibrate.instances. The seed sits far from
 * the run seeds 1..R that `aimcc eval --repeat R` takes. */
#define AIMCC_CALIB_DEFAULT_SEED 1000
#define AIMCC_CALIB_DEFAULT_INSTANCES 4

/* Log-spaced bins of |x|: 32 per octave (2.2 % wide) from 2^-40 to 2^40.
 * Values below 2^-40 (zeros included) count in `small`, those at or above
 * 2^40 (infinities included) in `large`; NaN is not counted. */
#define AIMCC_CALIB_BINS_PER_OCTAVE 32
#define AIMCC_CALIB_MIN_EXPONENT (-40)
#define AIMCC_CALIB_MAX_EXPONENT 40
#define AIMCC_CALIB_BINS \
    ((AIMCC_CALIB_MAX_EXPONENT - AIMCC_CALIB_MIN_EXPONENT) * AIMCC_CALIB_BINS_PER_OCTAVE)

/* The distribution of |x| over every element a LINEAR op read. */
typedef struct aimcc_calib_histogram {
    uint64_t small;
    uint64_t bins[AIMCC_CALIB_BINS];
    uint64_t large;
    uint64_t total;   /* small + sum(bins) + large */
    double max_abs;   /* largest finite |x| */
} aimcc_calib_histogram;

/* Input-range rules of calibrate.input. */
typedef enum aimcc_calib_method {
    AIMCC_CALIB_PERCENTILE = 0,
    AIMCC_CALIB_MSE = 1,
    AIMCC_CALIB_MAX = 2,
    AIMCC_CALIB_METHOD_COUNT = 3,
} aimcc_calib_method;

/* Returns "percentile", "mse" or "max"; NULL when out of range. */
const char *aimcc_calib_method_name(aimcc_calib_method method);

/* Adds the n values of x to the histogram. */
void aimcc_calib_histogram_add(aimcc_calib_histogram *histogram, const float *x, int64_t n);

/* Returns the lower edge of bin i in [0, AIMCC_CALIB_BINS]; i = AIMCC_CALIB_BINS
 * gives the upper edge of the last bin. */
double aimcc_calib_bin_edge(int i);

/*
 * Returns the smallest bin edge r (capped at max_abs) such that at least
 * percentile % of the values have |x| <= r, so at most (100 - percentile) %
 * of them clip. percentile is in (0, 100]. Returns 0 for an empty histogram
 * or one of zeros.
 */
double aimcc_calib_range_percentile(const aimcc_calib_histogram *histogram, double percentile);

/*
 * Returns the clipping range r that minimizes the estimated squared error of
 * quantizing the values to the integers [-top, top] with LSB r / top:
 * (|x| - r)^2 above r, x^2 below half an LSB (they round to 0), LSB^2 / 12
 * between. Candidates are the bin edges up to max_abs, and each bin counts at
 * its geometric center. Returns 0 for an empty histogram or one of zeros.
 */
double aimcc_calib_range_mse(const aimcc_calib_histogram *histogram, int32_t top);

/* Returns the range the method gives: see the two functions above; max is max_abs. */
double aimcc_calib_range(const aimcc_calib_histogram *histogram, aimcc_calib_method method,
                         double percentile, int32_t top);

/*
 * A deterministic sample of input rows of one op with their outputs: the
 * `capacity` rows with the smallest keys, a hash of the op and the row's
 * global index. The choice depends on neither the batch size nor the order
 * of the runs.
 */
typedef struct aimcc_calib_sample {
    int64_t capacity;
    int64_t n;        /* rows held, <= capacity */
    int64_t k;        /* elements of an input row */
    int64_t n_out;    /* elements of an output row */
    uint64_t *keys;
    float *x;         /* capacity x k */
    float *y;         /* capacity x n_out */
    int64_t largest;  /* index of the largest key once the sample is full */
} aimcc_calib_sample;

/* Allocates a sample; returns false when out of memory. Free with aimcc_calib_sample_free. */
bool aimcc_calib_sample_init(aimcc_calib_sample *sample, int64_t capacity, int64_t k,
                             int64_t n_out);
void aimcc_calib_sample_free(aimcc_calib_sample *sample);

/* Offers row (x, y) with this key: kept when the sample has room or the key
 * is below the largest one held, which it then replaces. */
void aimcc_calib_sample_offer(aimcc_calib_sample *sample, uint64_t key, const float *x,
                              const float *y);

/* Sorts the rows by key, so the stored order depends on the rows alone.
 * Returns false when out of memory. */
bool aimcc_calib_sample_sort(aimcc_calib_sample *sample);

/* Returns the key of row `row` of op `op_index` (a 64-bit mix of the two). */
uint64_t aimcc_calib_row_key(int op_index, int64_t row);

/* ---- Running the program (calibrate_run.c) ---- */

/* What an exact run gathers for one quantized LINEAR op. */
typedef struct calib_op {
    aimcc_op *op;
    int program_index;            /* the op's index in the emitted code */
    int64_t k, n;                 /* W is K x N */
    aimcc_calib_histogram *histogram; /* NULL when the run does not gather it */
    aimcc_calib_sample sample;    /* capacity 0 when the run does not gather it */
    double input_range;           /* chosen range, 0 when the op keeps its plan */
    float *adc_range;             /* per tile column of the blocks, NULL before calibrate_adc */
    float *adc_low;               /* bottom of each column's span, NULL for symmetric ranges */
    int64_t n_adc;
} calib_op;

/* The ops of a calibration and the data they run on. */
typedef struct calib_state {
    aimcc_ctx *ctx;
    aimcc_module *module;
    const aimcc_options *options;
    int n_ops;
    calib_op *ops;
    calib_op **by_index;          /* by program op index, NULL for other ops */
    int n_program_ops;
    int64_t first_sample;         /* of the run in progress */
    int64_t batch;
    int64_t rows_gathered;        /* rows the observer saw in the current pass over the data */
    /* When not NULL, watches the ops of every run in place of the exact
     * runs' histogram and probe gathering. */
    aimrt_op_observer observer;
    void *observer_user;
} calib_state;

/* Which device a run uses. */
typedef enum calib_device {
    CALIB_DEVICE_EXACT = 0,
    CALIB_DEVICE_SIM = 1,
} calib_device;

/*
 * Emits the module in its current state, loads it, and runs calibration samples
 * [begin, end) through it on the exact device (with the observer that fills
 * each op's histogram and sample) or on a sim device with seed (recording the
 * pre-ADC signals; then on_sim reads them before the device is freed).
 * Errors name the calibration file or the node.
 */
aimcc_status calib_run(calib_state *state, calib_device device, uint64_t seed, int64_t begin,
                       int64_t end,
                       aimcc_status (*on_sim)(calib_state *state, const aimrt_program *program,
                                              const aimrt_device *device));

/* ---- ADC ranges (calibrate_adc.c) ---- */

/* Returns true when op runs on a kind whose ADC range is "calibrated". */
bool calib_op_has_calibrated_adc(const aimcc_module *module, const aimcc_op *op);

/* Returns the tile columns of op's blocks, summed in block order. */
int64_t calib_op_tile_columns(const aimcc_op *op);

/* Runs calibrate.instances sim devices and sets every op's adc_range to the
 * largest calibrate.adc_percentile quantile of its columns' signals. On the
 * kinds whose SAR converts a one-sided node it sets spans: adc_range is then
 * the top and adc_low the bottom quantile, the lowest over the instances. */
aimcc_status calib_adc_from_data(calib_state *state);

/* Sets every op's adc_range from its levels: the largest |column sum| at
 * full-scale input, capped at adc.bound x U (docs/calibration.md, "Without
 * calibration data"). */
aimcc_status calib_adc_from_weights(calib_state *state);

/* ---- Operands (calibrate_operands.c) ---- */

/* Sets op's plan to a static input range r (input_scale = r / Qx) and its
 * input_scale attribute to match. */
aimcc_status calib_set_input_range(calib_state *state, calib_op *item, double range);

/* Adds probe_x, probe_y (when with_probes), adc_range and adc_low (when
 * computed) as inputs 4 to 7 of the op. */
aimcc_status calib_attach_operands(calib_state *state, calib_op *item, bool with_probes);

#endif
