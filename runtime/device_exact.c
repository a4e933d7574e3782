/* SPDX-License-Identifier: MIT */
/*
 * The exact device: keeps each tile's cell values as float and runs an MVM as
 * one OpenBLAS SGEMM over the requested tile region, with no noise, no
 * converters and no drift. On the float target the cells are the weights, so
 * it computes the program's float result.
 */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "aimrt/device.h"

/* NOTE: quantized targets need integer slices and phases accumulated exactly,
 * with the domain's normalization undone. This device computes in float only,
 * so its results are exact for the float target alone. */

typedef struct exact_tile {
    int64_t rows;
    int64_t cols;
    bool written;
    float *cells;  /* rows x cols, row-major */
} exact_tile;

typedef struct exact_state {
    int32_t n_tiles;
    exact_tile *tiles;
} exact_state;

static void exact_destroy(void *state)
{
    exact_state *s = state;
    if (!s)
        return;
    for (int32_t i = 0; i < s->n_tiles; i++)
        free(s->tiles[i].cells);
    free(s->tiles);
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
    memcpy(tile->cells, levels, (size_t)(tile->rows * tile->cols) * sizeof(float));
    tile->written = true;
    return AIMRT_OK;
}

static aimrt_status exact_set_time(void *state, double seconds)
{
    /* Exact cells do not drift, so only the argument is checked. */
    return seconds >= 0 ? AIMRT_OK : AIMRT_ERR_INVALID_ARG;
}

static aimrt_status exact_mvm(void *state, int32_t tile_index, int64_t row0, int64_t n_rows,
                              int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                              float *y, const int64_t *sample_index, const int64_t *mvm_index)
{
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
        memset(y, 0, (size_t)(n_vectors * n_cols) * sizeof(float));
        return AIMRT_OK;
    }

    /* y [n_vectors, n_cols] = x [n_vectors, n_rows] * G[row0:, col0:] with G's row stride. */
    const float *region = tile->cells + row0 * tile->cols + col0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n_vectors, (int)n_cols,
                (int)n_rows, 1.0f, x, (int)n_rows, region, (int)tile->cols, 0.0f, y, (int)n_cols);
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

    for (int32_t i = 0; i < n_tiles; i++) {
        exact_tile *tile = &s->tiles[i];
        tile->rows = tiles[i].rows;
        tile->cols = tiles[i].cols;
        /* BLAS takes int strides, and the index check keeps every tile addressable. */
        if (tiles[i].tile != i || tile->rows < 1 || tile->cols < 1 || tile->rows > INT_MAX ||
            tile->cols > INT_MAX || tile->rows > INT64_MAX / 4 / tile->cols) {
            exact_destroy(s);
            return AIMRT_ERR_INVALID_ARG;
        }
        tile->cells = calloc((size_t)(tile->rows * tile->cols), sizeof(float));
        if (!tile->cells) {
            exact_destroy(s);
            return AIMRT_ERR_NOMEM;
        }
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
    device->state = state;
    device->write_tile = exact_write_tile;
    device->set_time = exact_set_time;
    device->mvm = exact_mvm;
    device->destroy = exact_destroy;
    *out = device;
    return AIMRT_OK;
}
