/* SPDX-License-Identifier: MIT */
/*
 * The state of the sim device shared by its files: each tile's models as
 * its kind's parameters set them (sim_config.c), its cells and their static
 * draws (sim_cells.c), the MVM of the current domain (sim_current.c) and of
 * the other domains (sim_domains.c), and the column signals it records
 * (sim_signals.c).
 */
#ifndef AIMRT_SIM_DEVICE_H
#define AIMRT_SIM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "aimrt/device.h"
#include "program_internal.h"
#include "sim/circuit.h"
#include "sim/converters.h"
#include "sim/device_generic.h"
#include "sim/device_pcm.h"
#include "sim/domain.h"
#include "sim/ir_drop.h"

/* The domain codes of the program's tile kinds (AIMCC_DOMAIN_* of ir/target.h). */
enum {
    SIM_DOMAIN_CURRENT = 0,
    SIM_DOMAIN_CHARGE = 1,
    SIM_DOMAIN_CHARGE_REDIST = 2,
    SIM_DOMAIN_CAPDIV = 3,
    SIM_DOMAIN_RESDIV = 4,
    SIM_DOMAIN_TIME = 5,
    SIM_DOMAIN_COUNT = 6,
};

/* The cell models of a kind's "cell". */
typedef enum sim_cell {
    SIM_CELL_OTHER = 0, /* relative programming noise only (SRAM, capacitors) */
    SIM_CELL_PCM = 1,   /* PCM programming noise, drift, accumulated read noise */
    SIM_CELL_RRAM = 2,  /* relative programming noise, log-time relaxation for t > 0 */
} sim_cell;

/* The IR-drop models of circuit.wires.ir_drop (registry choice order). */
typedef enum sim_ir_drop {
    SIM_IR_DROP_OFF = 0,
    SIM_IR_DROP_FIRST_ORDER = 1,
    SIM_IR_DROP_FULL = 2,
} sim_ir_drop;

/* The transfer-function parameters of a tile of a domain other than current. */
typedef union sim_domain_params {
    aimrt_sim_charge_params charge;
    aimrt_sim_charge_redist_params redist;
    aimrt_sim_capdiv_params capdiv;
    aimrt_sim_resdiv_params resdiv;
    aimrt_sim_time_params time;
} sim_domain_params;

/* Every model of one tile, from its kind's parameters. Effects that the
 * device's flags turn off are already 0 here. */
typedef struct sim_models {
    sim_cell cell;
    aimrt_sim_pcm_params pcm;
    aimrt_sim_prog_noise_params prog;    /* cells other than PCM */
    aimrt_sim_rram_drift_params rram;
    bool rram_relaxation;                /* RRAM cells, effects on */
    aimrt_sim_fault_params faults;
    aimrt_sim_window_params window;      /* g_min .. g_max for stuck cells */
    double read_noise_norm;              /* per-MVM read noise of PCM type, normalized */
    double output_noise_norm;            /* current domain */
    double adc_bound_norm;               /* default ADC range [-bound, bound] */
    aimrt_sim_adc_params adc;            /* DNL, INL (LSB) and noise (normalized) */
    double dac_sigma_norm;               /* amplitude inputs: DAC noise */
    double dac_asymmetry;                /* amplitude inputs: negative drive (1 - a) */
    sim_ir_drop ir_drop;                 /* current domain */
    aimrt_sim_wires wires;
    sim_domain_params domain;            /* domains other than current; readout per MVM */
    aimrt_sim_comparator_params comparator;
    double ktc_temperature_k;            /* 0: no kT/C (c_sample 0) */
    aimrt_sim_injection_params injection;
} sim_models;

/* One column's histogram of |pre-ADC value| over log-spaced bins. */
typedef struct sim_histogram {
    uint64_t *counts; /* cols x SIM_HISTOGRAM_BINS, allocated on first use */
} sim_histogram;

typedef struct sim_tile {
    int64_t rows;
    int64_t cols;
    bool written;
    double top;          /* M = 2^cell_bits - 1, the largest level */
    double unit;         /* level units of one normalized output: M * Qx */
    double full_per_row; /* largest |column sum| one row adds: M * (largest input integer) */
    int32_t adc_bits;    /* 0: lossless readout */
    int domain;          /* SIM_DOMAIN_* */
    int input_mode;      /* AIMRT_INPUT_* */
    double x_full;       /* input integer of a full-scale drive: Qx */
    const char *kind;    /* the kind's name, for messages */
    sim_models models;
    double *levels;      /* rows x cols, as written */
    double *g_prog_us;   /* programmed conductances */
    double *nu;          /* drift exponents */
    unsigned char *stuck; /* 1 for a cell with a stuck-at fault */
    double *cells;       /* conductances at the current time, in level units */
    double *adc_range;   /* cols: full-scale range in level units, 0 for the default rule */
    aimrt_sim_adc *adcs; /* current domain: cols converters over codes in LSB units */
    double *adc_thresholds; /* with DNL or INL: cols x (2^bits - 1) thresholds, in LSB */
    /* Static draws of the other domains, made once when the tile is written. */
    double *cell_factor;
    double *delay_s;
    double *row_edge_s;
    double *c_parasitic_f;
    aimrt_sim_readout_column *columns;
    double *lsb_level;   /* cols: the LSB of set ranges, 0 where unset */
    double *low_level;   /* cols: code 0 of a set span, NaN for a symmetric range */
    sim_histogram signals;
} sim_tile;

typedef struct sim_state {
    aimrt_sim_options options;
    int32_t n_tiles;
    sim_tile *tiles;
    double *x_d;    /* chunk inputs of a chunk of vectors, as double */
    double *x_sq;   /* the same inputs squared, for the read-noise variance */
    double *var;    /* read-noise variances of one chunk, vectors x columns */
    double *analog; /* pre-ADC values of one chunk, vectors x columns */
    int64_t chunk;
} sim_state;

/* Whether the device's flags leave the analog effects on. */
bool sim_noise_on(const sim_state *s);
bool sim_effects_on(const sim_state *s);

/* sim_config.c: the tile's models from its kind's parameters. Returns
 * AIMRT_ERR_UNSUPPORTED after logging one line when a parameter the domain
 * requires is unset. */
aimrt_status sim_config_tile(const sim_state *s, const program_kind *kind, sim_tile *tile);

/* sim_cells.c: programs the written levels (static draws) and sets the
 * conductances at the state's time. */
void sim_cells_program(const sim_state *s, int32_t index);
void sim_cells_refresh(const sim_state *s, int32_t index);
/* Draws the static values of the other domains once (tile arrays above). */
aimrt_status sim_cells_domain_statics(const sim_state *s, int32_t index);

/* sim_current.c and sim_domains.c: one MVM (arguments as device->mvm). */
aimrt_status sim_current_mvm(sim_state *s, int32_t index, int64_t row0, int64_t n_rows,
                             int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                             double *y, const int64_t *sample_index, const int64_t *mvm_index);
aimrt_status sim_domain_mvm(sim_state *s, int32_t index, int64_t row0, int64_t n_rows,
                            int64_t col0, int64_t n_cols, int64_t n_vectors, const float *x,
                            double *y, const int64_t *sample_index, const int64_t *mvm_index);

/* Drives amplitude inputs through the DAC: asymmetry on negative inputs and
 * noise keyed by (sample, MVM, tile row). x has n vectors of n_rows. */
void sim_dac_drive(const sim_state *s, int32_t index, int64_t row0, int64_t n_rows, int64_t n,
                   const int64_t *sample_index, const int64_t *mvm_index, double *x);

/* The default converter LSB of an MVM over n_rows rows, in level units. */
double sim_default_lsb(const sim_tile *tile, int64_t n_rows);
/* The LSB of column c: range / (2^(bits-1) - 1) when set, else the default. */
double sim_column_lsb(const sim_tile *tile, int64_t c, double default_lsb);

/* sim_signals.c: the histograms of pre-ADC values (AIMRT_SIM_RECORD_SIGNALS).
 * sim_signals_ensure allocates a tile's before its first MVM. The quantile
 * is that of |value|; the span gives the q-quantile of the values as high
 * and the (1 - q)-quantile as low, both 0 for a column without values. */
aimrt_status sim_signals_ensure(sim_tile *tile);
void sim_signals_add(sim_tile *tile, int64_t col, double value);
double sim_signals_quantile(const sim_tile *tile, int64_t col, double q);
void sim_signals_span(const sim_tile *tile, int64_t col, double q, double *low, double *high);
void sim_signals_free(sim_tile *tile);

#endif
