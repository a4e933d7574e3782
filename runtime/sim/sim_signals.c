/* SPDX-License-Identifier: MIT */
/*
 * Histograms of the pre-ADC signal of every tile column, for calibrating
 * ADC ranges (AIMRT_SIM_RECORD_SIGNALS). Bins are log-spaced in |value|, 32
 * per octave from 2^-8 to 2^40 level units (2.2 % wide), one histogram for
 * values >= 0 and one for negative values, so a quantile is read back within
 * about 1.1 % with 24 KB per column whatever the number of MVMs.
 */
#include <math.h>
#include <stdlib.h>

#include "sim/sim_device.h"

#define BINS_PER_OCTAVE 32
#define LOWEST_OCTAVE (-8)
#define OCTAVES 48
/* Bin 0 contains values below 2^LOWEST_OCTAVE (zero included), the last
 * bin values at or above the top. */
#define SIM_HISTOGRAM_BINS (OCTAVES * BINS_PER_OCTAVE + 2)

aimrt_status sim_signals_ensure(sim_tile *tile)
{
    if (tile->signals.counts)
        return AIMRT_OK;
    tile->signals.counts = calloc((size_t)tile->cols * 2 * SIM_HISTOGRAM_BINS, sizeof(uint64_t));
    return tile->signals.counts ? AIMRT_OK : AIMRT_ERR_NOMEM;
}

static int64_t bin_of(double magnitude)
{
    if (!(magnitude >= ldexp(1.0, LOWEST_OCTAVE)))
        return 0; /* zero, tiny values and NaN */
    const double position = (log2(magnitude) - LOWEST_OCTAVE) * BINS_PER_OCTAVE;
    if (!(position < OCTAVES * BINS_PER_OCTAVE))
        return SIM_HISTOGRAM_BINS - 1;
    return 1 + (int64_t)position;
}

/* Column col's histogram of values >= 0; the negative one follows it. */
static uint64_t *column_counts(const sim_tile *tile, int64_t col)
{
    return tile->signals.counts + col * 2 * SIM_HISTOGRAM_BINS;
}

void sim_signals_add(sim_tile *tile, int64_t col, double value)
{
    if (!tile->signals.counts)
        return;
    uint64_t *counts = column_counts(tile, col) + (value < 0.0 ? SIM_HISTOGRAM_BINS : 0);
    counts[bin_of(fabs(value))]++;
}

/* Returns the geometric middle of bin b, the value it reports. */
static double bin_value(int64_t b)
{
    if (b == 0)
        return 0.0;
    const double position = (double)(b - 1) + 0.5;
    return exp2(LOWEST_OCTAVE + position / BINS_PER_OCTAVE);
}

/* Returns the number of values column col recorded. */
static uint64_t column_total(const sim_tile *tile, int64_t col)
{
    const uint64_t *counts = column_counts(tile, col);
    uint64_t total = 0;
    for (int64_t b = 0; b < 2 * SIM_HISTOGRAM_BINS; b++)
        total += counts[b];
    return total;
}

double sim_signals_quantile(const sim_tile *tile, int64_t col, double q)
{
    if (!tile->signals.counts)
        return 0.0;
    const uint64_t total = column_total(tile, col);
    if (total == 0)
        return 0.0;

    /* The smallest |value| with at least q of the conversions at or below it. */
    const uint64_t *positive = column_counts(tile, col);
    const uint64_t *negative = positive + SIM_HISTOGRAM_BINS;
    const double rank = ceil(q * (double)total);
    uint64_t seen = 0;
    for (int64_t b = 0; b < SIM_HISTOGRAM_BINS; b++) {
        seen += positive[b] + negative[b];
        if ((double)seen >= rank)
            return bin_value(b);
    }
    return bin_value(SIM_HISTOGRAM_BINS - 1);
}

/* Returns the smallest value with at least rank values at or below it,
 * walking the negative bins from the largest magnitude down, then the others
 * up. With upward false the walk runs the other way and finds the largest
 * value with at least rank values at or above it. */
static double signed_rank(const uint64_t *positive, const uint64_t *negative, double rank,
                          bool upward)
{
    const int64_t n = 2 * SIM_HISTOGRAM_BINS;
    uint64_t seen = 0;
    for (int64_t i = 0; i < n; i++) {
        /* Position i in ascending order of value. */
        const int64_t at = upward ? i : n - 1 - i;
        const bool is_negative = at < SIM_HISTOGRAM_BINS;
        const int64_t b = is_negative ? SIM_HISTOGRAM_BINS - 1 - at : at - SIM_HISTOGRAM_BINS;
        seen += is_negative ? negative[b] : positive[b];
        if ((double)seen >= rank)
            return is_negative ? -bin_value(b) : bin_value(b);
    }
    return 0.0;
}

void sim_signals_span(const sim_tile *tile, int64_t col, double q, double *low, double *high)
{
    *low = 0.0;
    *high = 0.0;
    if (!tile->signals.counts)
        return;
    const uint64_t total = column_total(tile, col);
    if (total == 0)
        return;
    const uint64_t *positive = column_counts(tile, col);
    const uint64_t *negative = positive + SIM_HISTOGRAM_BINS;
    const double rank = ceil(q * (double)total);
    *high = signed_rank(positive, negative, rank, true);
    *low = signed_rank(positive, negative, rank, false);
}

void sim_signals_free(sim_tile *tile)
{
    free(tile->signals.counts);
    tile->signals.counts = NULL;
}
