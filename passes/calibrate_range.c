/* SPDX-License-Identifier: MIT */
/*
 * Input (DAC) range rules of the calibrate pass: a bounded, log-spaced
 * histogram of |x| per LINEAR op, and the clipping range it gives by
 * percentile (aihwkit's input-range calibration takes the 0.99995 quantile),
 * by minimum squared quantization error, or by the maximum.
 */
#include <math.h>
#include <string.h>

#include "passes/calibrate.h"

static const char *const method_names[] = {"percentile", "mse", "max"};
_Static_assert(sizeof method_names / sizeof method_names[0] == AIMCC_CALIB_METHOD_COUNT,
               "one name per aimcc_calib_method");

const char *aimcc_calib_method_name(aimcc_calib_method method)
{
    return (unsigned)method < AIMCC_CALIB_METHOD_COUNT ? method_names[method] : NULL;
}

double aimcc_calib_bin_edge(int i)
{
    return exp2(AIMCC_CALIB_MIN_EXPONENT + (double)i / AIMCC_CALIB_BINS_PER_OCTAVE);
}

void aimcc_calib_histogram_add(aimcc_calib_histogram *histogram, const float *x, int64_t n)
{
    const double low = aimcc_calib_bin_edge(0);
    const double high = aimcc_calib_bin_edge(AIMCC_CALIB_BINS);
    for (int64_t i = 0; i < n; i++) {
        const double a = fabs((double)x[i]);
        if (isnan(a))
            continue;
        histogram->total++;
        if (a < low) {
            histogram->small++;
            continue;
        }
        if (isfinite(a) && a > histogram->max_abs)
            histogram->max_abs = a;
        if (a >= high) {
            histogram->large++;
            continue;
        }
        int bin = (int)floor((log2(a) - AIMCC_CALIB_MIN_EXPONENT) * AIMCC_CALIB_BINS_PER_OCTAVE);
        /* log2 may round across an edge; the edges themselves decide. */
        if (bin > 0 && a < aimcc_calib_bin_edge(bin))
            bin--;
        if (bin < AIMCC_CALIB_BINS - 1 && a >= aimcc_calib_bin_edge(bin + 1))
            bin++;
        histogram->bins[bin < 0 ? 0 : (bin >= AIMCC_CALIB_BINS ? AIMCC_CALIB_BINS - 1 : bin)]++;
    }
}

double aimcc_calib_range_percentile(const aimcc_calib_histogram *histogram, double percentile)
{
    if (histogram->total == 0 || !(histogram->max_abs > 0.0))
        return 0.0;
    const double wanted = ceil((double)histogram->total * percentile / 100.0);
    double kept = (double)histogram->small;
    if (kept >= wanted)
        return fmin(aimcc_calib_bin_edge(0), histogram->max_abs);
    for (int i = 0; i < AIMCC_CALIB_BINS; i++) {
        kept += (double)histogram->bins[i];
        if (kept >= wanted)
            return fmin(aimcc_calib_bin_edge(i + 1), histogram->max_abs);
    }
    return histogram->max_abs;
}

/* Returns the estimated squared error of value a at clipping range r, LSB lsb. */
static double squared_error(double a, double r, double lsb)
{
    if (a > r)
        return (a - r) * (a - r);
    if (a < 0.5 * lsb)
        return a * a;
    return lsb * lsb / 12.0;
}

/* Returns the value a bin counts at: the geometric center of its edges. */
static double bin_center(int i)
{
    return sqrt(aimcc_calib_bin_edge(i) * aimcc_calib_bin_edge(i + 1));
}

double aimcc_calib_range_mse(const aimcc_calib_histogram *histogram, int32_t top)
{
    if (histogram->total == 0 || !(histogram->max_abs > 0.0) || top < 1)
        return 0.0;
    int first = AIMCC_CALIB_BINS, last = -1;
    for (int i = 0; i < AIMCC_CALIB_BINS; i++) {
        if (histogram->bins[i] != 0) {
            first = i < first ? i : first;
            last = i;
        }
    }
    if (last < 0)
        return histogram->max_abs;

    /* Candidates: the upper edges of the occupied bins, the last capped at max_abs. */
    double best_range = histogram->max_abs, best_error = INFINITY;
    for (int j = first; j <= last; j++) {
        const double r = fmin(aimcc_calib_bin_edge(j + 1), histogram->max_abs);
        const double lsb = r / top;
        double error = (double)histogram->large * squared_error(histogram->max_abs, r, lsb);
        for (int i = first; i <= last; i++) {
            if (histogram->bins[i] != 0)
                error += (double)histogram->bins[i] *
                         squared_error(fmin(bin_center(i), histogram->max_abs), r, lsb);
        }
        if (error < best_error) {
            best_error = error;
            best_range = r;
        }
    }
    return best_range;
}

double aimcc_calib_range(const aimcc_calib_histogram *histogram, aimcc_calib_method method,
                         double percentile, int32_t top)
{
    switch (method) {
    case AIMCC_CALIB_PERCENTILE: return aimcc_calib_range_percentile(histogram, percentile);
    case AIMCC_CALIB_MSE: return aimcc_calib_range_mse(histogram, top);
    case AIMCC_CALIB_MAX:
    default: return histogram->max_abs;
    }
}
