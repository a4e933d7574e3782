/* SPDX-License-Identifier: MIT */
/*
 * Least-squares fits of the per-chip correction: the affine fit
 * measured = gain * ideal + offset of one output column over the
 * calibration probes, and the slope through the origin that per-column
 * drift compensation uses. Pure functions, so tests check them against
 * closed forms.
 */
#include <math.h>

#include "session_internal.h"

/* A column whose ideal outputs have a spread below this fraction of their
 * rms carries no information on a gain: float outputs resolve about 6e-8 of
 * their magnitude, so such a slope would fit the rounding. */
#define MIN_RELATIVE_SPREAD 1e-6

session_affine session_fit_affine(const float *ideal, const float *measured, int64_t n,
                                  int64_t stride)
{
    session_affine fit = {.gain = 1.0, .offset = 0.0, .residual_rms = 0.0};
    if (n < 1)
        return fit;

    /* Two passes: the means, then centered sums, which keep the precision
     * that raw sums of squares lose to cancellation. */
    double mean_x = 0.0, mean_y = 0.0, square_x = 0.0;
    for (int64_t p = 0; p < n; p++) {
        mean_x += ideal[p * stride];
        mean_y += measured[p * stride];
        square_x += (double)ideal[p * stride] * ideal[p * stride];
    }
    mean_x /= (double)n;
    mean_y /= (double)n;
    double sxx = 0.0, sxy = 0.0;
    for (int64_t p = 0; p < n; p++) {
        const double dx = ideal[p * stride] - mean_x;
        sxx += dx * dx;
        sxy += dx * (measured[p * stride] - mean_y);
    }

    /* Ideal outputs that barely vary (one probe, a constant column) fix no
     * gain, only the offset between measured and ideal. */
    const double threshold = MIN_RELATIVE_SPREAD * MIN_RELATIVE_SPREAD * square_x;
    if (n < 2 || !(sxx > threshold)) {
        fit.offset = mean_y - mean_x;
        fit.kind = SESSION_FIT_OFFSET_ONLY;
    } else {
        fit.gain = sxy / sxx;
        fit.offset = mean_y - fit.gain * mean_x;
    }

    /* A gain that is not finite or not positive comes from a stuck or dead
     * column or a failed probe, not from a circuit gain: dividing by it
     * would flip or blow up the column, so the column stays uncorrected. */
    if (!isfinite(fit.gain) || !(fit.gain > 0.0) || !isfinite(fit.offset)) {
        fit.gain = 1.0;
        fit.offset = 0.0;
        fit.kind = SESSION_FIT_IDENTITY;
    }

    double residual = 0.0;
    for (int64_t p = 0; p < n; p++) {
        const double r = measured[p * stride] - (fit.gain * ideal[p * stride] + fit.offset);
        residual += r * r;
    }
    fit.residual_rms = sqrt(residual / (double)n);
    return fit;
}

double session_fit_slope(double sum_xy, double sum_xx)
{
    /* A column that reads nothing any more keeps its outputs as they are. */
    const double slope = sum_xy / sum_xx;
    return sum_xx > 0.0 && isfinite(slope) && slope > 0.0 ? slope : 1.0;
}
