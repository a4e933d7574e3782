/* SPDX-License-Identifier: MIT */
/*
 * The deterministic probe sample of the calibrate pass: bottom-k sampling by
 * a hash of (op, global row index). The rows kept are those with the
 * smallest keys, so they do not depend on the batch size or the order in
 * which rows arrive, and the program comes out byte for byte the same.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/calibrate.h"

uint64_t aimcc_calib_row_key(int op_index, int64_t row)
{
    /* splitmix64's finalizer (Steele, Lea and Flood 2014) over both numbers. */
    uint64_t z = (uint64_t)row * UINT64_C(0x9E3779B97F4A7C15) + ((uint64_t)(uint32_t)op_index << 32) +
                 (uint64_t)(uint32_t)op_index;
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

bool aimcc_calib_sample_init(aimcc_calib_sample *sample, int64_t capacity, int64_t k,
                             int64_t n_out)
{
    memset(sample, 0, sizeof *sample);
    sample->capacity = capacity;
    sample->k = k;
    sample->n_out = n_out;
    if (capacity == 0)
        return true;
    sample->keys = malloc((size_t)capacity * sizeof *sample->keys);
    sample->x = malloc((size_t)(capacity * k) * sizeof *sample->x + 1);
    sample->y = malloc((size_t)(capacity * n_out) * sizeof *sample->y + 1);
    if (sample->keys == NULL || sample->x == NULL || sample->y == NULL) {
        aimcc_calib_sample_free(sample);
        return false;
    }
    return true;
}

void aimcc_calib_sample_free(aimcc_calib_sample *sample)
{
    free(sample->keys);
    free(sample->x);
    free(sample->y);
    sample->keys = NULL;
    sample->x = NULL;
    sample->y = NULL;
    sample->n = 0;
}

static void store_row(aimcc_calib_sample *sample, int64_t at, uint64_t key, const float *x,
                      const float *y)
{
    sample->keys[at] = key;
    memcpy(sample->x + at * sample->k, x, (size_t)sample->k * sizeof *x);
    memcpy(sample->y + at * sample->n_out, y, (size_t)sample->n_out * sizeof *y);
}

static void find_largest(aimcc_calib_sample *sample)
{
    sample->largest = 0;
    for (int64_t i = 1; i < sample->n; i++) {
        if (sample->keys[i] > sample->keys[sample->largest])
            sample->largest = i;
    }
}

void aimcc_calib_sample_offer(aimcc_calib_sample *sample, uint64_t key, const float *x,
                              const float *y)
{
    if (sample->capacity == 0)
        return;
    if (sample->n < sample->capacity) {
        store_row(sample, sample->n++, key, x, y);
        if (sample->n == sample->capacity)
            find_largest(sample);
        return;
    }
    if (key >= sample->keys[sample->largest])
        return;
    store_row(sample, sample->largest, key, x, y);
    find_largest(sample);
}

bool aimcc_calib_sample_sort(aimcc_calib_sample *sample)
{
    /* Insertion sort: at most calibrate.probes (4096) rows, sorted once per op. */
    float *x = malloc((size_t)sample->k * sizeof *x + 1);
    float *y = malloc((size_t)sample->n_out * sizeof *y + 1);
    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return false;
    }
    for (int64_t i = 1; i < sample->n; i++) {
        const uint64_t key = sample->keys[i];
        memcpy(x, sample->x + i * sample->k, (size_t)sample->k * sizeof *x);
        memcpy(y, sample->y + i * sample->n_out, (size_t)sample->n_out * sizeof *y);
        int64_t j = i;
        for (; j > 0 && sample->keys[j - 1] > key; j--) {
            sample->keys[j] = sample->keys[j - 1];
            memcpy(sample->x + j * sample->k, sample->x + (j - 1) * sample->k,
                   (size_t)sample->k * sizeof *x);
            memcpy(sample->y + j * sample->n_out, sample->y + (j - 1) * sample->n_out,
                   (size_t)sample->n_out * sizeof *y);
        }
        store_row(sample, j, key, x, y);
    }
    free(x);
    free(y);
    find_largest(sample);
    return true;
}
