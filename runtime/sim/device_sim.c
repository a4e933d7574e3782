/* SPDX-License-Identifier: MIT */
/*
 * The sim device for integer tiles of every compute domain: its interface
 * (device.h), tile creation from the program's kinds, writes, time and the
 * MVM entry. Every model parameter comes from the program's kind
 * parameters (sim_config.c); cells, the MVMs and the recorded signals live
 * in the other sim_*.c files. Results are in level units (level x input
 * integer), so the runtime decodes them as the exact device's.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_device.h"

/* Elements of the input conversion buffer. An MVM runs in chunks that fit. */
#define CHUNK_ELEMENTS (INT64_C(1) << 16)

void aimrt_sim_options_defaults(aimrt_sim_options *options)
{
    options->seed = 1;
    options->time_s = 0.0;
    options->flags = 0;
}

bool sim_noise_on(const sim_state *s)
{
    return (s->options.flags & AIMRT_SIM_NO_NOISE) == 0;
}

bool sim_effects_on(const sim_state *s)
{
    return sim_noise_on(s) && (s->options.flags & AIMRT_SIM_UNIFORM_DRIFT) == 0;
}

static void tile_free(sim_tile *tile)
{
    free(tile->levels);
    free(tile->g_prog_us);
    free(tile->nu);
    free(tile->stuck);
    free(tile->cells);
    free(tile->adc_range);
    free(tile->adcs);
    free(tile->adc_thresholds);
    free(tile->cell_factor);
    free(tile->delay_s);
    free(tile->row_edge_s);
    free(tile->c_parasitic_f);
    free(tile->columns);
    free(tile->lsb_level);
    free(tile->low_level);
    sim_signals_free(tile);
}

static void sim_destroy(void *state)
{
    sim_state *s = state;
    if (!s)
        return;
    for (int32_t i = 0; s->tiles && i < s->n_tiles; i++)
        tile_free(&s->tiles[i]);
    free(s->tiles);
    free(s->x_d);
    free(s->x_sq);
    free(s->var);
    free(s->analog);
    free(s);
}

static aimrt_status sim_write_tile(void *state, const aimrt_tile_desc *desc, const float *levels)
{
    sim_state *s = state;
    if (!desc || !levels || desc->tile < 0 || desc->tile >= s->n_tiles)
        return AIMRT_ERR_INVALID_ARG;
    sim_tile *tile = &s->tiles[desc->tile];
    if (desc->rows != tile->rows || desc->cols != tile->cols)
        return AIMRT_ERR_INVALID_ARG;
    const int64_t count = tile->rows * tile->cols;
    for (int64_t i = 0; i < count; i++)
        tile->levels[i] = levels[i];
    /* Static draws at programming time, keyed by (seed, tile, effect, cell). */
    sim_cells_program(s, desc->tile);
    tile->written = true;
    sim_cells_refresh(s, desc->tile);
    return AIMRT_OK;
}

static aimrt_status sim_set_time(void *state, double seconds)
{
    sim_state *s = state;
    if (!(seconds >= 0.0) || !isfinite(seconds))
        return AIMRT_ERR_INVALID_ARG;
    /* Written tiles already hold their conductances at the current time. */
    if (seconds == s->options.time_s)
        return AIMRT_OK;
    s->options.time_s = seconds;
    for (int32_t i = 0; i < s->n_tiles; i++)
        if (s->tiles[i].written)
            sim_cells_refresh(s, i);
    return AIMRT_OK;
}

static aimrt_status sim_get_time(void *state, double *seconds)
{
    const sim_state *s = state;
    if (!seconds)
        return AIMRT_ERR_INVALID_ARG;
    *seconds = s->options.time_s;
    return AIMRT_OK;
}

static aimrt_status sim_set_adc_range(void *state, int32_t index, int64_t col0, int64_t n_cols,
                                      const float *range)
{
    sim_state *s = state;
    if (index < 0 || index >= s->n_tiles || !s->tiles[index].written)
        return AIMRT_ERR_INVALID_ARG;
    sim_tile *tile = &s->tiles[index];
    if (col0 < 0 || n_cols < 0 || n_cols > tile->cols - col0 || (n_cols > 0 && !range))
        return AIMRT_ERR_INVALID_ARG;
    for (int64_t c = 0; c < n_cols; c++)
        if (!(range[c] >= 0.0f) || !isfinite(range[c]))
            return AIMRT_ERR_INVALID_ARG;
    /* LSB = range / (2^(bits-1) - 1), not rounded: the top code reaches the range. */
    const double half = ldexp(1.0, tile->adc_bits > 0 ? tile->adc_bits - 1 : 0);
    const double steps = half - 1.0 > 1.0 ? half - 1.0 : 1.0;
    for (int64_t c = 0; c < n_cols; c++) {
        tile->adc_range[col0 + c] = range[c];
        tile->lsb_level[col0 + c] = range[c] > 0.0f ? (double)range[c] / steps : 0.0;
        tile->low_level[col0 + c] = NAN;
    }
    return AIMRT_OK;
}

/* The SAR converters of the node domains take spans. The current domain's
 * converters and the time domain's TDC stay symmetric around 0, so they get
 * the symmetric range that covers the span. */
static aimrt_status sim_set_adc_span(void *state, int32_t index, int64_t col0, int64_t n_cols,
                                     const float *low, const float *high)
{
    sim_state *s = state;
    if (index < 0 || index >= s->n_tiles || !s->tiles[index].written)
        return AIMRT_ERR_INVALID_ARG;
    sim_tile *tile = &s->tiles[index];
    if (col0 < 0 || n_cols < 0 || n_cols > tile->cols - col0 || (n_cols > 0 && (!low || !high)))
        return AIMRT_ERR_INVALID_ARG;
    for (int64_t c = 0; c < n_cols; c++) {
        const bool unset = low[c] == 0.0f && high[c] == 0.0f;
        if (!isfinite(low[c]) || !isfinite(high[c]) || !(unset || low[c] < high[c]))
            return AIMRT_ERR_INVALID_ARG;
    }

    const bool symmetric = tile->domain == SIM_DOMAIN_CURRENT || tile->domain == SIM_DOMAIN_TIME;
    const double steps = ldexp(1.0, tile->adc_bits > 0 ? tile->adc_bits : 1) - 1.0;
    for (int64_t c = 0; c < n_cols; c++) {
        const float range = fmaxf(fabsf(low[c]), fabsf(high[c]));
        if (symmetric || (low[c] == 0.0f && high[c] == 0.0f)) {
            const aimrt_status status = sim_set_adc_range(state, index, col0 + c, 1, &range);
            if (status != AIMRT_OK)
                return status;
            continue;
        }
        tile->adc_range[col0 + c] = range;
        tile->lsb_level[col0 + c] = ((double)high[c] - (double)low[c]) / steps;
        tile->low_level[col0 + c] = low[c];
    }
    return AIMRT_OK;
}

static bool keys_in_range(int64_t n_vectors, const int64_t *sample_index, const int64_t *mvm_index)
{
    for (int64_t v = 0; v < n_vectors; v++)
        if (sample_index[v] < 0 || sample_index[v] > AIMRT_SIM_RANDOM_DYNAMIC_MAX_SAMPLE ||
            mvm_index[v] < 0 || mvm_index[v] > AIMRT_SIM_RANDOM_DYNAMIC_MAX_MVM)
            return false;
    return true;
}

static aimrt_status sim_mvm(void *state, int32_t index, int64_t row0, int64_t n_rows, int64_t col0,
                            int64_t n_cols, int64_t n_vectors, const float *x, double *y,
                            const int64_t *sample_index, const int64_t *mvm_index)
{
    sim_state *s = state;
    if (index < 0 || index >= s->n_tiles || !s->tiles[index].written)
        return AIMRT_ERR_INVALID_ARG;
    sim_tile *tile = &s->tiles[index];
    if (row0 < 0 || n_rows < 0 || col0 < 0 || n_cols < 0 || n_vectors < 0 ||
        n_rows > tile->rows - row0 || n_cols > tile->cols - col0 || n_vectors > INT_MAX ||
        (n_vectors > 0 && n_cols > 0 && (!x || !y || !sample_index || !mvm_index)))
        return AIMRT_ERR_INVALID_ARG;
    if (n_vectors == 0 || n_cols == 0)
        return AIMRT_OK;
    if (!keys_in_range(n_vectors, sample_index, mvm_index))
        return AIMRT_ERR_INVALID_ARG;
    if (s->options.flags & AIMRT_SIM_RECORD_SIGNALS) {
        const aimrt_status status = sim_signals_ensure(tile);
        if (status != AIMRT_OK)
            return status;
    }
    if (tile->domain != SIM_DOMAIN_CURRENT)
        return sim_domain_mvm(s, index, row0, n_rows, col0, n_cols, n_vectors, x, y, sample_index,
                              mvm_index);
    return sim_current_mvm(s, index, row0, n_rows, col0, n_cols, n_vectors, x, y, sample_index,
                           mvm_index);
}

/* The current domain's converters, one per column over codes in LSB units
 * (range [-half, half - 1], so an ideal one with LSB 1 is lossless on
 * integers), with DNL and INL thresholds drawn once per column. */
static aimrt_status create_adcs(const sim_state *s, int32_t index, sim_tile *tile)
{
    if (tile->domain != SIM_DOMAIN_CURRENT || tile->adc_bits < 1)
        return AIMRT_OK;
    const double half = ldexp(1.0, tile->adc_bits - 1);
    aimrt_sim_adc_params params = tile->models.adc;
    params.range_min_norm = -half;
    params.range_max_norm = half - 1.0;
    params.sigma_noise_norm = 0.0; /* set per MVM from the column's LSB */
    const int64_t n = aimrt_sim_adc_threshold_count(&params);
    tile->adcs = calloc((size_t)tile->cols, sizeof *tile->adcs);
    if (n > 0)
        tile->adc_thresholds = malloc((size_t)(n * tile->cols) * sizeof *tile->adc_thresholds);
    if (n < 0 || !tile->adcs || (n > 0 && !tile->adc_thresholds))
        return n < 0 ? AIMRT_ERR_UNSUPPORTED : AIMRT_ERR_NOMEM;
    for (int64_t c = 0; c < tile->cols; c++) {
        const aimrt_sim_static_key key = {.seed = s->options.seed, .tile = (uint32_t)index,
                                          .cell = (uint64_t)c};
        aimrt_error error = {0};
        const aimrt_status status = aimrt_sim_adc_init(
            &tile->adcs[c], &params, n > 0 ? tile->adc_thresholds + c * n : NULL, n, &key, &error);
        if (status != AIMRT_OK)
            return AIMRT_ERR_UNSUPPORTED;
    }
    return AIMRT_OK;
}

/* Sizes of tile i from its kind: levels, inputs and converter. */
static aimrt_status tile_shape(const program_kind *kind, const program_tile *source, sim_tile *tile)
{
    if (kind->weight_bits == 0 || kind->cell_bits < 1 || kind->cell_bits > 24 || kind->domain < 0 ||
        kind->domain >= SIM_DOMAIN_COUNT)
        return AIMRT_ERR_UNSUPPORTED;
    tile->rows = source->rows;
    tile->cols = source->cols;
    /* Dynamic keys hold columns, and input-side effects rows, below 2^24. */
    if (tile->rows < 1 || tile->cols < 1 || tile->rows > INT_MAX || tile->cols > INT_MAX ||
        tile->cols > (int64_t)AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN ||
        tile->rows > (int64_t)AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN ||
        tile->rows > INT64_MAX / 8 / tile->cols)
        return AIMRT_ERR_INVALID_ARG;
    tile->top = ldexp(1.0, kind->cell_bits) - 1.0;
    /* Bit-serial phases drive 0 or 1; amplitude and PWM phases up to the
     * signed top 2^(b-1) - 1, unsigned inputs up to 2^b - 1. */
    const bool serial = kind->input_mode == AIMRT_INPUT_BIT_SERIAL;
    const int bits = kind->input_bits > 1 ? kind->input_bits : 2;
    tile->unit = tile->top * (serial ? 1.0 : ldexp(1.0, bits - 1) - 1.0);
    tile->full_per_row = tile->top * (serial ? 1.0 : ldexp(1.0, bits) - 1.0);
    tile->x_full = serial ? 1.0 : ldexp(1.0, bits - 1) - 1.0;
    tile->domain = kind->domain;
    tile->input_mode = kind->input_mode;
    tile->kind = kind->name;
    /* Wider converters than the models take read out losslessly. */
    tile->adc_bits = kind->adc_bits <= AIMRT_SIM_MAX_CONVERTER_BITS ? kind->adc_bits : 0;
    return AIMRT_OK;
}

/* Sets up tile i from its kind and allocates its arrays. */
static aimrt_status create_tile(sim_state *s, const aimrt_program *program, int32_t i)
{
    const program_tile *source = &program->tiles[i];
    if (source->kind < 0 || source->kind >= program->n_kinds)
        return AIMRT_ERR_INVALID_ARG;
    const program_kind *kind = &program->kinds[source->kind];
    sim_tile *tile = &s->tiles[i];
    aimrt_status status = tile_shape(kind, source, tile);
    if (status == AIMRT_OK)
        status = sim_config_tile(s, kind, tile);
    if (status != AIMRT_OK)
        return status;
    const size_t count = (size_t)(tile->rows * tile->cols);
    tile->levels = calloc(count, sizeof(double));
    tile->g_prog_us = calloc(count, sizeof(double));
    tile->nu = calloc(count, sizeof(double));
    tile->stuck = calloc(count, 1);
    tile->cells = calloc(count, sizeof(double));
    tile->adc_range = calloc((size_t)tile->cols, sizeof(double));
    tile->lsb_level = calloc((size_t)tile->cols, sizeof(double));
    tile->low_level = malloc((size_t)tile->cols * sizeof(double));
    if (!tile->levels || !tile->g_prog_us || !tile->nu || !tile->stuck || !tile->cells ||
        !tile->adc_range || !tile->lsb_level || !tile->low_level)
        return AIMRT_ERR_NOMEM;
    for (int64_t c = 0; c < tile->cols; c++)
        tile->low_level[c] = NAN;
    status = create_adcs(s, i, tile);
    if (status == AIMRT_OK)
        status = sim_cells_domain_statics(s, i);
    s->chunk = tile->rows > s->chunk ? tile->rows : s->chunk;
    s->chunk = tile->cols > s->chunk ? tile->cols : s->chunk;
    return status;
}

static aimrt_status create_state(const aimrt_program *program, const aimrt_sim_options *options,
                                 sim_state **out)
{
    sim_state *s = calloc(1, sizeof *s);
    if (!s)
        return AIMRT_ERR_NOMEM;
    s->options = *options;
    s->n_tiles = program->n_tiles;
    s->chunk = CHUNK_ELEMENTS;
    s->tiles = calloc((size_t)(s->n_tiles > 0 ? s->n_tiles : 1), sizeof *s->tiles);
    aimrt_status status = s->tiles ? AIMRT_OK : AIMRT_ERR_NOMEM;
    for (int32_t i = 0; i < s->n_tiles && status == AIMRT_OK; i++)
        status = create_tile(s, program, i);
    if (status == AIMRT_OK) {
        s->x_d = malloc((size_t)s->chunk * sizeof *s->x_d);
        s->x_sq = malloc((size_t)s->chunk * sizeof *s->x_sq);
        s->var = malloc((size_t)s->chunk * sizeof *s->var);
        s->analog = malloc((size_t)s->chunk * sizeof *s->analog);
        status = s->x_d && s->x_sq && s->var && s->analog ? AIMRT_OK : AIMRT_ERR_NOMEM;
    }
    if (status != AIMRT_OK) {
        sim_destroy(s);
        return status;
    }
    *out = s;
    return AIMRT_OK;
}
aimrt_status aimrt_device_sim_create(const aimrt_program *program, const aimrt_sim_options *options,
                                     aimrt_device **out)
{
    if (!out)
        return AIMRT_ERR_INVALID_ARG;
    *out = NULL;
    /* Dynamic keys hold tile indices below 2^15. */
    if (!program || !options || !(options->time_s >= 0.0) || !isfinite(options->time_s) ||
        program->n_tiles > (int)AIMRT_SIM_RANDOM_DYNAMIC_MAX_TILE + 1)
        return AIMRT_ERR_INVALID_ARG;

    sim_state *state = NULL;
    aimrt_status status = create_state(program, options, &state);
    if (status != AIMRT_OK)
        return status;
    aimrt_device *device = calloc(1, sizeof *device);
    if (!device) {
        sim_destroy(state);
        return AIMRT_ERR_NOMEM;
    }
    device->size = sizeof *device;
    device->version = AIMRT_DEVICE_VERSION;
    device->name = "sim";
    /* Not AIMRT_DEVICE_LINEAR: noise and the ADC act on every phase. */
    device->flags = 0;
    device->state = state;
    device->write_tile = sim_write_tile;
    device->set_time = sim_set_time;
    device->get_time = sim_get_time;
    device->mvm = sim_mvm;
    device->destroy = sim_destroy;
    device->set_adc_range = sim_set_adc_range;
    device->set_adc_span = sim_set_adc_span;
    *out = device;
    return AIMRT_OK;
}

aimrt_status aimrt_device_sim_signal_quantile(const aimrt_device *device, int32_t tile, int64_t col,
                                              double q, double *value)
{
    if (!device || !value || device->destroy != sim_destroy || !device->state || !(q > 0.0) ||
        !(q <= 1.0))
        return AIMRT_ERR_INVALID_ARG;
    const sim_state *s = device->state;
    if ((s->options.flags & AIMRT_SIM_RECORD_SIGNALS) == 0 || tile < 0 || tile >= s->n_tiles ||
        col < 0 || col >= s->tiles[tile].cols)
        return AIMRT_ERR_INVALID_ARG;
    *value = sim_signals_quantile(&s->tiles[tile], col, q);
    return AIMRT_OK;
}

aimrt_status aimrt_device_sim_signal_span(const aimrt_device *device, int32_t tile, int64_t col,
                                          double q, double *low, double *high)
{
    if (!low || !high)
        return AIMRT_ERR_INVALID_ARG;
    double unused = 0.0;
    const aimrt_status status = aimrt_device_sim_signal_quantile(device, tile, col, q, &unused);
    if (status != AIMRT_OK)
        return status;
    const sim_state *s = device->state;
    sim_signals_span(&s->tiles[tile], col, q, low, high);
    return AIMRT_OK;
}
