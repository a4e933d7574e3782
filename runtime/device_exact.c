/* SPDX-License-Identifier: MIT */
/*
 * The exact device: no noise, no converters, no drift. Float tiles run an
 * MVM as OpenBLAS SGEMM over the requested tile region, widened to double,
 * which is the program's float result. Integer tiles run SGEMM too when
 * rows * max|x| * (2^cell_bits - 1) < 2^24 proves every partial sum exact in
 * float, and otherwise DGEMM on levels kept as double, exact below 2^53 (a
 * lossless readout without clipping).
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aimrt/device.h"

/* Elements of each conversion buffer. An MVM runs in chunks of vectors that fit. */
#define CHUNK_ELEMENTS (INT64_C(1) << 16)

typedef struct exact_tile {
    int64_t rows;
    int64_t cols;
    bool written;
    bool integer;    /* integer levels: cells_d is kept as well */
    double top;      /* integer tiles: the largest level, 2^cell_bits - 1 */
    float *cells;    /* rows x cols, row-major */
    double *cells_d; /* integer tiles: the same levels as double */
} exact_tile;

typedef struct exact_state {
    int32_t n_tiles;
    exact_tile *tiles;
    int64_t chunk;    /* elements of x_d and y_f */
    double *x_d;      /* inputs of a chunk of vectors, as double */
    float *y_f;       /* float results of a chunk of vectors */
} exact_state;

static void exact_destroy(void *state)
{
    exact_state *s = state;
    if (!s)
        return;
    for (int32_t i = 0; s->tiles && i < s->n_tiles; i++) {
        free(s->tiles[i].cells);
        free(s->tiles[i].cells_d);
    }
    free(s->tiles);
    free(s->x_d);
    free(s->y_f);
    free(s);
}

static aimrt_status exact_write_tile(void *state, const aimrt_tile_desc *desc,
                                     const float *levels)
{
    exact_state *s = state;
    if (!desc || !levels || desc->tile < 0 || desc->tile >= s->n_tiles)
        return AIMRT_ERR_INVALID_ARG;
    exact_tile *tile = &s->tiles[desc->tile];
    if (desc->rows != tile->rows || desc->cols != tile->cols)
        return AIMRT_ERR_INVALID_ARG;
    const int64_t count = tile->rows * tile->cols;
    memcpy(tile->cells, levels, (size_t)count * sizeof(float));
    for (int64_t i = 0; tile->integer && i < count; i++)
        tile->cells_d[i] = levels[i];
    tile->written = true;
    return AIMRT_OK;
}

static aimrt_status exact_set_time(void *state, double seconds)
{
    /* Exact cells do not drift, so only the argument is checked. */
    return seconds >= 0 ? AIMRT_OK : AIMRT_ERR_INVALID_ARG;
}

/* y = x * G on an integer tile region, in chunks of vectors converted to double. */
static void mvm_integer(exact_state *s, const exact_tile *tile, int64_t row0, int64_t n_rows,
                        int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                        double *y)
{
    const double *region = tile->cells_d + row0 * tile->cols + col0;
    const int64_t per_chunk = s->chunk / n_rows;
    for (int64_t v0 = 0; v0 < n_vectors; v0 += per_chunk) {
        const int64_t n = n_vectors - v0 < per_chunk ? n_vectors - v0 : per_chunk;
        for (int64_t i = 0; i < n * n_rows; i++)
            s->x_d[i] = x[v0 * n_rows + i];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols, (int)n_rows,
                    1.0, s->x_d, (int)n_rows, region, (int)tile->cols, 0.0, y + v0 * n_cols,
                    (int)n_cols);
    }
}

/* y = x * G on a float tile region: SGEMM in chunks of vectors, widened to double. */
static void mvm_float(exact_state *s, const exact_tile *tile, int64_t row0, int64_t n_rows,
                      int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x, double *y)
{
    const float *region = tile->cells + row0 * tile->cols + col0;
    const int64_t per_chunk = s->chunk / n_cols;
    for (int64_t v0 = 0; v0 < n_vectors; v0 += per_chunk) {
        const int64_t n = n_vectors - v0 < per_chunk ? n_vectors - v0 : per_chunk;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n_cols, (int)n_rows,
                    1.0f, x + v0 * n_rows, (int)n_rows, region, (int)tile->cols, 0.0f, s->y_f,
                    (int)n_cols);
        for (int64_t i = 0; i < n * n_cols; i++)
            y[v0 * n_cols + i] = s->y_f[i];
    }
}

/* Returns true when SGEMM sums integer inputs x on an integer tile exactly:
 * every partial sum is an integer of magnitude below 2^24. */
static bool float_is_exact(const exact_tile *tile, int64_t n_rows, int64_t n_vectors,
                           const float *x)
{
    float largest = 0.0f;
    for (int64_t i = 0; i < n_vectors * n_rows; i++) {
        const float magnitude = fabsf(x[i]);
        if (magnitude > largest)
            largest = magnitude;
    }
    return (double)n_rows * (double)largest * tile->top < 16777216.0;
}

static aimrt_status exact_mvm(void *state, int32_t tile_index, int64_t row0, int64_t n_rows,
                              int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                              double *y, const int64_t *sample_index, const int64_t *mvm_index)
{
    (void)sample_index;
    (void)mvm_index;
    exact_state *s = state;
    if (tile_index < 0 || tile_index >= s->n_tiles || !s->tiles[tile_index].written)
        return AIMRT_ERR_INVALID_ARG;
    const exact_tile *tile = &s->tiles[tile_index];
    if (row0 < 0 || n_rows < 0 || col0 < 0 || n_cols < 0 || n_vectors < 0 ||
        n_rows > tile->rows - row0 || n_cols > tile->cols - col0 || n_vectors > INT_MAX ||
        (n_vectors > 0 && n_cols > 0 && (!x || !y)))
        return AIMRT_ERR_INVALID_ARG;
    if (n_vectors == 0 || n_cols == 0)
        return AIMRT_OK;
    if (n_rows == 0) {
        memset(y, 0, (size_t)(n_vectors * n_cols) * sizeof(double));
        return AIMRT_OK;
    }
    if (tile->integer && !float_is_exact(tile, n_rows, n_vectors, x))
        mvm_integer(s, tile, row0, n_rows, col0, n_cols, n_vectors, x, y);
    else
        mvm_float(s, tile, row0, n_rows, col0, n_cols, n_vectors, x, y);
    return AIMRT_OK;
}

/* Allocates tile i's cells as float or, for integer levels, double. */
static aimrt_status create_tile(exact_state *s, int32_t i, const aimrt_tile_desc *desc)
{
    exact_tile *tile = &s->tiles[i];
    tile->rows = desc->rows;
    tile->cols = desc->cols;
    tile->integer = desc->cell_bits > 0;
    /* BLAS takes int strides, and the index check keeps every tile addressable. */
    if (desc->tile != i || desc->cell_bits < 0 || tile->rows < 1 || tile->cols < 1 ||
        tile->rows > INT_MAX || tile->cols > INT_MAX || tile->rows > INT64_MAX / 8 / tile->cols)
        return AIMRT_ERR_INVALID_ARG;
    const size_t count = (size_t)(tile->rows * tile->cols);
    tile->cells = calloc(count, sizeof(float));
    if (tile->integer) {
        /* Levels are f32 in the program, so they are exact up to 2^24. */
        tile->top = (double)((INT64_C(1) << (desc->cell_bits < 24 ? desc->cell_bits : 24)) - 1);
        tile->cells_d = calloc(count, sizeof(double));
    }
    if (!tile->cells || (tile->integer && !tile->cells_d))
        return AIMRT_ERR_NOMEM;
    /* A chunk has room for at least one vector's row inputs or column results. */
    s->chunk = tile->rows > s->chunk ? tile->rows : s->chunk;
    s->chunk = tile->cols > s->chunk ? tile->cols : s->chunk;
    return AIMRT_OK;
}

static aimrt_status create_state(int32_t n_tiles, const aimrt_tile_desc *tiles,
                                 exact_state **out)
{
    exact_state *s = calloc(1, sizeof *s);
    if (!s)
        return AIMRT_ERR_NOMEM;
    s->tiles = calloc((size_t)(n_tiles > 0 ? n_tiles : 1), sizeof *s->tiles);
    if (!s->tiles) {
        free(s);
        return AIMRT_ERR_NOMEM;
    }
    s->n_tiles = n_tiles;
    s->chunk = CHUNK_ELEMENTS;

    aimrt_status status = AIMRT_OK;
    for (int32_t i = 0; i < n_tiles && status == AIMRT_OK; i++)
        status = create_tile(s, i, &tiles[i]);
    if (status == AIMRT_OK) {
        s->x_d = malloc((size_t)s->chunk * sizeof *s->x_d);
        s->y_f = malloc((size_t)s->chunk * sizeof *s->y_f);
        if (!s->x_d || !s->y_f)
            status = AIMRT_ERR_NOMEM;
    }
    if (status != AIMRT_OK) {
        exact_destroy(s);
        return status;
    }
    *out = s;
    return AIMRT_OK;
}

aimrt_status aimrt_device_exact_create(int32_t n_tiles, const aimrt_tile_desc *tiles,
                                       aimrt_device **out)
{
    if (!out || n_tiles < 0 || (n_tiles > 0 && !tiles))
        return AIMRT_ERR_INVALID_ARG;
    *out = NULL;

    exact_state *state = NULL;
    aimrt_status status = create_state(n_tiles, tiles, &state);
    if (status != AIMRT_OK)
        return status;
    aimrt_device *device = calloc(1, sizeof *device);
    if (!device) {
        exact_destroy(state);
        return AIMRT_ERR_NOMEM;
    }
    device->size = sizeof *device;
    device->version = AIMRT_DEVICE_VERSION;
    device->name = "exact";
    device->flags = AIMRT_DEVICE_LINEAR;
    device->state = state;
    device->write_tile = exact_write_tile;
    device->set_time = exact_set_time;
    device->mvm = exact_mvm;
    device->destroy = exact_destroy;
    *out = device;
    return AIMRT_OK;
}
