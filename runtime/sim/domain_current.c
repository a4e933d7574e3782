/* SPDX-License-Identifier: MIT */
/*
 * Current domain: Ohm's law multiplies and Kirchhoff's current law adds on
 * clamped columns. Row voltages drive the block's conductances, the
 * first-order IR-drop model corrects the column currents, read noise and
 * output noise are referred to each output, and the clamp's transimpedance
 * gives the voltage that the readout samples and converts.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"
#include "sim/device_generic.h"
#include "sim/domain.h"

aimrt_sim_current_params aimrt_sim_current_defaults(void)
{
    /* g_max of the PCM fit (Nandakumar 2019); wires, read noise and output
     * noise of aihwkit's StandardHWATrainingPreset. r_tia_ohm, v_read_v and
     * c_sample_f have no published value: the target sets them. */
    return (aimrt_sim_current_params){
        .g_max_us = 25.0,
        .ir_drop = true,
        .wires = aimrt_sim_wires_defaults(),
        .read_noise = AIMRT_SIM_READ_NOISE_PCM,
        .read_noise_s = 0.0175,
        .output_noise_norm = 0.04,
        .readout = {.kind = AIMRT_SIM_READOUT_LOSSLESS},
    };
}

static aimrt_status check_current(const aimrt_sim_current_params *p,
                                  const aimrt_sim_domain_block *block,
                                  const aimrt_sim_domain_keys *keys, aimrt_error *error)
{
    const char *domain_name = "current";
    aimrt_status s = aimrt_sim_domain_check(domain_name, block, keys, &p->readout, error);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "g_max_us", p->g_max_us, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "v_read_v", p->v_read_v, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "r_tia_ohm", p->r_tia_ohm, 0.0, INFINITY, true);
    if (s == AIMRT_OK && p->readout.ktc_temperature_k > 0.0)
        s = aimrt_sim_param_check(error, domain_name, "c_sample_f", p->c_sample_f, 0.0, INFINITY, true);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "read_noise_s", p->read_noise_s, 0.0, INFINITY, false);
    if (s == AIMRT_OK)
        s = aimrt_sim_param_check(error, domain_name, "output_noise_norm", p->output_noise_norm, 0.0,
                                  INFINITY, false);
    if (s == AIMRT_OK && ((unsigned)p->read_noise >= AIMRT_SIM_READ_NOISE_COUNT))
        s = aimrt_error_set(error, AIMRT_ERR_INVALID_ARG, "current domain: read_noise %d is unknown",
                            (int)p->read_noise);
    if (s == AIMRT_OK && p->ir_drop && block->n_rows > 0 && block->n_cols > 0)
        s = aimrt_sim_wires_check(&p->wires, block->n_rows, block->n_cols, error);
    return s;
}

/* Work buffers of one call. */
typedef struct current_work {
    double *g_s;    /* n_rows x n_cols conductances in siemens */
    float *w_norm;  /* n_rows x n_cols weights in normalized units, for read noise */
    double *v_in;   /* n_rows row voltages */
    float *x_norm;  /* n_rows inputs in normalized units */
    double *i_out;  /* n_cols column currents */
    double *ir;     /* IR-drop work */
    aimrt_sim_readout_column *columns; /* n_cols static readout errors */
} current_work;

static void current_work_free(current_work *w)
{
    free(w->g_s);
    free(w->w_norm);
    free(w->v_in);
    free(w->x_norm);
    free(w->i_out);
    free(w->ir);
    free(w->columns);
}

static bool current_work_alloc(current_work *w, int64_t n_rows, int64_t n_cols)
{
    const size_t cells = (size_t)(n_rows * n_cols) + 1;
    w->g_s = malloc(cells * sizeof *w->g_s);
    w->w_norm = malloc(cells * sizeof *w->w_norm);
    w->v_in = malloc((size_t)(n_rows + 1) * sizeof *w->v_in);
    w->x_norm = malloc((size_t)(n_rows + 1) * sizeof *w->x_norm);
    w->i_out = malloc((size_t)(n_cols + 1) * sizeof *w->i_out);
    w->ir = malloc((size_t)(aimrt_sim_ir_drop_first_order_work(n_rows, n_cols) + 1) * sizeof *w->ir);
    w->columns = malloc((size_t)(n_cols + 1) * sizeof *w->columns);
    return w->g_s && w->w_norm && w->v_in && w->x_norm && w->i_out && w->ir && w->columns;
}

/* Column currents of one vector: ideal Kirchhoff sums or the first-order
 * IR-drop model. */
static void column_currents(const aimrt_sim_current_params *p, int64_t n_rows, int64_t n_cols,
                            current_work *w)
{
    if (p->ir_drop && n_rows > 0 && n_cols > 0) {
        aimrt_sim_ir_drop_first_order(&p->wires, n_rows, n_cols, w->g_s, w->v_in, w->i_out, w->ir);
        return;
    }
    for (int64_t c = 0; c < n_cols; c++)
        w->i_out[c] = 0.0;
    for (int64_t r = 0; r < n_rows; r++)
        for (int64_t c = 0; c < n_cols; c++)
            w->i_out[c] += w->g_s[r * n_cols + c] * w->v_in[r];
}

aimrt_status aimrt_sim_domain_current(const aimrt_sim_current_params *p,
                                      const aimrt_sim_domain_block *b,
                                      const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                      aimrt_error *error)
{
    aimrt_status status = check_current(p, b, keys, error);
    if (status != AIMRT_OK)
        return status;
    current_work w = {0};
    if (!current_work_alloc(&w, b->n_rows, b->n_cols)) {
        current_work_free(&w);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "current domain: out of memory for a "
                               "%lld x %lld block", (long long)b->n_rows, (long long)b->n_cols);
    }
    const int64_t n_rows = b->n_rows, n_cols = b->n_cols;
    for (int64_t r = 0; r < n_rows; r++)
        for (int64_t c = 0; c < n_cols; c++) {
            const double level = b->cells[r * b->cell_stride + c];
            w.g_s[r * n_cols + c] = level / b->top_level * p->g_max_us * 1e-6;
            w.w_norm[r * n_cols + c] = (float)(level / b->top_level);
        }
    for (int64_t c = 0; c < n_cols; c++)
        w.columns[c] = aimrt_sim_readout_column_draw(&p->readout, keys, c);
    /* One level unit (level 1 driven by input integer 1) in sampled volts. */
    const double v_per_level =
        p->g_max_us * 1e-6 / b->top_level * p->v_read_v / b->x_full * p->r_tia_ohm;
    const double unit = b->top_level * b->x_full; /* level units of one normalized output */
    for (int64_t v = 0; v < b->n_vectors; v++) {
        const double *x = b->x + v * n_rows;
        for (int64_t r = 0; r < n_rows; r++) {
            w.v_in[r] = x[r] / b->x_full * p->v_read_v;
            w.x_norm[r] = (float)(x[r] / b->x_full);
        }
        column_currents(p, n_rows, n_cols, &w);
        for (int64_t c = 0; c < n_cols; c++) {
            aimrt_sim_dynamic_key key = aimrt_sim_domain_dynamic_key(keys, v, c);
            double v_out = w.i_out[c] * p->r_tia_ohm;
            if (v_node)
                v_node[v * n_cols + c] = v_out;
            double noise_level = 0.0;
            if (p->read_noise != AIMRT_SIM_READ_NOISE_NONE && p->read_noise_s > 0.0) {
                const double std = aimrt_sim_read_noise_output_std(
                    p->read_noise, p->read_noise_s, w.w_norm + c, n_cols, w.x_norm, n_rows);
                key.effect = AIMRT_SIM_EFFECT_READ_NOISE;
                noise_level += std * unit * aimrt_sim_normal_dynamic(&key, 0);
            }
            const aimrt_sim_output_noise_params out = {.sigma_norm = p->output_noise_norm * unit};
            noise_level += aimrt_sim_output_noise(&out, &key);
            v_out += noise_level * v_per_level;
            y[v * n_cols + c] = aimrt_sim_readout_level(&p->readout, &w.columns[c], v_out, 0.0,
                                                        v_per_level, p->c_sample_f, &key,
                                                        aimrt_sim_domain_analog_at(keys, n_cols, v, c));
        }
    }
    current_work_free(&w);
    return AIMRT_OK;
}
