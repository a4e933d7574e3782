/* SPDX-License-Identifier: MIT */
/*
 * The device interface of libaimrt: the hardware or model behind the tiles. The
 * simulator, the exact device and a chip team's driver implement the same
 * struct of function pointers. It opens with its own size and version so a
 * driver built against an older header is recognized.
 */
#ifndef AIMRT_DEVICE_H
#define AIMRT_DEVICE_H

#include <stddef.h>

#include "aimrt/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2: mvm writes double results, and tile descriptions carry the
 * cell bits. The optional set_adc_range and set_adc_span at the end need no
 * new version, because the size field shows whether a device has them. */
#define AIMRT_DEVICE_VERSION 2

/* The description of one tile that the runtime passes to a device when it writes it. */
typedef struct aimrt_tile_desc {
    int32_t tile;       /* tile index in the program */
    int32_t kind;       /* tile kind index in the program */
    int64_t rows;
    int64_t cols;
    /* 0: float cells (the float target). Otherwise the cells hold integer
     * levels 0 .. 2^cell_bits - 1 and mvm inputs are integers, so a device
     * without noise returns exact integer column sums. */
    int32_t cell_bits;
} aimrt_tile_desc;

typedef struct aimrt_device {
    size_t size;        /* sizeof(aimrt_device) of the caller's header */
    uint32_t version;   /* AIMRT_DEVICE_VERSION */
    const char *name;   /* "exact", "sim", ... */
    void *state;        /* owned by the device */

    /* Writes a tile's cell values, rows x cols row-major (row = input line).
     * On the float target the values are the weights themselves. */
    aimrt_status (*write_tile)(void *state, const aimrt_tile_desc *tile, const float *levels);

    /* Sets the time since programming in seconds (>= 0). */
    aimrt_status (*set_time)(void *state, double seconds);

    /*
     * Runs one MVM phase on rows [row0, row0+n_rows) and columns
     * [col0, col0+n_cols) of a tile for n_vectors input vectors:
     * y[v][c] = sum_r x[v][r] * G[row0 + r][col0 + c]. x is n_vectors x n_rows,
     * y is n_vectors x n_cols, both row-major. On integer tiles x contains the
     * integers of one input phase, and y is double so that column sums above
     * 2^24 stay exact. sample_index[v] is vector v's global sample index and
     * mvm_index[v] its MVM index within the sample, which key dynamic noise.
     */
    aimrt_status (*mvm)(void *state, int32_t tile, int64_t row0, int64_t n_rows, int64_t col0,
                        int64_t n_cols, int64_t n_vectors, const float *x, double *y,
                        const int64_t *sample_index, const int64_t *mvm_index);

    /* Releases the device's state. */
    void (*destroy)(void *state);

    /* AIMRT_DEVICE_* capability bits. Read only when size covers this field. */
    uint32_t flags;

    /* Stores the time since programming in seconds in *seconds. Optional
     * (NULL when the device has no time); read only when size covers this
     * field. The runtime's drift compensation needs it with set_time. */
    aimrt_status (*get_time)(void *state, double *seconds);
    /* Sets the ADC full-scale range of columns [col0, col0 + n_cols) of a
     * written integer tile: range[c] > 0 is the largest |column sum| the
     * converter of that column covers, in level units (level x input
     * integer); 0 keeps the device's own range. Optional (NULL); read only
     * when size covers this field. The runtime calls it after write_tile
     * with the calibrated ranges of the program. */
    aimrt_status (*set_adc_range)(void *state, int32_t tile, int64_t col0, int64_t n_cols,
                                  const float *range);
    /* Sets the span of the ADC of columns [col0, col0 + n_cols): its 2^bits
     * codes cover [low[c], high[c]] in level units, low[c] < high[c], or
     * the device's own range where both are 0. Converters of a one-sided
     * signal (a node that only charges or discharges) use every code this
     * way. Optional (NULL, and then the runtime sets the symmetric range
     * max(|low|, |high|) with set_adc_range); read only when size covers
     * this field. */
    aimrt_status (*set_adc_span)(void *state, int32_t tile, int64_t col0, int64_t n_cols,
                                 const float *low, const float *high);
} aimrt_device;

/* Returns the device's set_adc_span, NULL for a device without it. */
static inline aimrt_status (*aimrt_device_set_adc_span(const aimrt_device *device))(
    void *, int32_t, int64_t, int64_t, const float *, const float *)
{
    if (device->size < offsetof(aimrt_device, set_adc_span) + sizeof device->set_adc_span)
        return NULL;
    return device->set_adc_span;
}

/* Returns the device's set_adc_range, NULL for a device without it. */
static inline aimrt_status (*aimrt_device_set_adc_range(const aimrt_device *device))(
    void *, int32_t, int64_t, int64_t, const float *)
{
    if (device->size < offsetof(aimrt_device, set_adc_range) + sizeof device->set_adc_range)
        return NULL;
    return device->set_adc_range;
}

/* Returns the device's get_time, NULL for a device built against a header
 * without the field. */
static inline aimrt_status (*aimrt_device_get_time(const aimrt_device *device))(void *, double *)
{
    if (device->size < offsetof(aimrt_device, get_time) + sizeof device->get_time)
        return NULL;
    return device->get_time;
}

/* The device's MVMs are exact and linear in x: the runtime may then add the
 * input phases of an MVM into one call (sum_p g_p x_p = xq), which gives the
 * same integers with one call instead of one per phase. */
#define AIMRT_DEVICE_LINEAR 1u

/* Returns the device's capability bits, 0 for a device built against a header
 * without the flags field. */
static inline uint32_t aimrt_device_flags(const aimrt_device *device)
{
    if (device->size < offsetof(aimrt_device, flags) + sizeof device->flags)
        return 0;
    return device->flags;
}

/*
 * Creates the exact device for n_tiles tiles described by tiles[], as
 * aimrt_program_tiles fills them (tiles[i].tile == i). It allocates every
 * tile's cells now. On float tiles it computes in float (SGEMM, widened to
 * double). On integer tiles (cell_bits > 0) it computes exactly: in float when
 * rows * max|x| * (2^cell_bits - 1) < 2^24, else in double (DGEMM), exact while
 * every column sum stays below 2^53. Returns
 * AIMRT_ERR_INVALID_ARG for a bad description, AIMRT_ERR_NOMEM. Caller frees
 * with device->destroy(state) and then aimrt_device_free.
 */
aimrt_status aimrt_device_exact_create(int32_t n_tiles, const aimrt_tile_desc *tiles,
                                       aimrt_device **out);
void aimrt_device_free(aimrt_device *device);

struct aimrt_program; /* aimrt/aimrt.h */

/* Options of the simulator device. */
typedef struct aimrt_sim_options {
    uint64_t seed;  /* keys every random draw of this chip instance */
    double time_s;  /* time since programming at creation, >= 0; set_time changes it */
    uint32_t flags; /* AIMRT_SIM_* bits below */
} aimrt_sim_options;

/* No analog effect: no programming noise, drift, read noise or output noise. */
#define AIMRT_SIM_NO_NOISE 1u
/* A lossless readout in place of the kind's ADC. */
#define AIMRT_SIM_LOSSLESS_ADC 2u
/* Drift alone, for studies of drift compensation: every PCM device drifts
 * with the same exponent (the mean exponent at g_max, no spread), and every
 * other analog effect is off. AIMRT_SIM_NO_NOISE overrides it. */
#define AIMRT_SIM_UNIFORM_DRIFT 4u

/* Record the pre-ADC value of every column conversion for
 * aimrt_device_sim_signal_quantile (calibration). Costs memory per column. */
#define AIMRT_SIM_RECORD_SIGNALS 8u
/* Fills *options with seed 1, time 0 s and every effect on. */
void aimrt_sim_options_defaults(aimrt_sim_options *options);

/*
 * Creates the simulator device for the tiles of program (docs/simulator.md,
 * "The sim device"). Integer tiles only: a program with float tiles gives
 * AIMRT_ERR_UNSUPPORTED. The device borrows program, which must outlive it.
 * Returns AIMRT_ERR_INVALID_ARG for bad options or a program beyond the
 * random streams' key ranges, AIMRT_ERR_NOMEM. Caller frees with
 * device->destroy(state) and then aimrt_device_free.
 */
aimrt_status aimrt_device_sim_create(const struct aimrt_program *program,
                                     const aimrt_sim_options *options, aimrt_device **out);

/*
 * For a sim device created with AIMRT_SIM_RECORD_SIGNALS: stores in *value
 * the q-quantile (0 < q <= 1) of |pre-ADC value| of column col of tile,
 * in level units, over every conversion since the device was created, with
 * a relative resolution of a few percent; 0 when the column converted
 * nothing. Returns AIMRT_ERR_INVALID_ARG for another device, a device
 * without the flag, or an index out of range.
 */
aimrt_status aimrt_device_sim_signal_quantile(const aimrt_device *device, int32_t tile,
                                              int64_t col, double q, double *value);

/*
 * Like aimrt_device_sim_signal_quantile, for signed values. *high is the
 * q-quantile of the pre-ADC values of column col of tile and *low the
 * (1 - q)-quantile. So at most 1 - q of them lie above *high and at most
 * 1 - q below *low, within the histogram's resolution. Both are 0 when the
 * column converted nothing.
 */
aimrt_status aimrt_device_sim_signal_span(const aimrt_device *device, int32_t tile, int64_t col,
                                          double q, double *low, double *high);

#ifdef __cplusplus
}
#endif

#endif
