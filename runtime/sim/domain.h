/* SPDX-License-Identifier: MIT */
/*
 * The six compute domains of the simulator as transfer functions of one
 * input phase of a tile MVM: current, charge, charge redistribution,
 * capacitive division, resistive division and time. Each turns cell levels
 * and input integers into a physical node value and applies its circuit
 * effects with the models of circuit.h, converters.h and ir_drop.h. It then
 * undoes its normalization and returns level units (level x input integer),
 * so with every effect off the outputs are the exact column sums.
 */
#ifndef AIMRT_SIM_DOMAIN_H
#define AIMRT_SIM_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "aimrt/aimrt.h"
#include "sim/circuit.h"
#include "sim/converters.h"
#include "sim/device_pcm.h"
#include "sim/ir_drop.h"
#include "sim/random.h"

/*
 * One input phase on a block of a tile. cells contains the block's levels
 * after the caller's device effects (programming noise, drift, faults), in
 * level units with nominal values in [0, top_level]. x contains one phase's
 * input integers: 0 or 1 for bit-serial phases, signed or unsigned integers
 * for amplitude and PWM phases.
 */
typedef struct aimrt_sim_domain_block {
    int64_t n_rows;
    int64_t n_cols;
    const double *cells;  /* n_rows x n_cols, row-major with row stride cell_stride */
    int64_t cell_stride;  /* >= n_cols */
    double top_level;     /* M = 2^cell_bits - 1, > 0 */
    int64_t n_vectors;
    const double *x;      /* n_vectors x n_rows input integers */
    double x_full;        /* input integer of a full-scale drive: 2^(b-1) - 1, or 1 bit-serial; > 0 */
} aimrt_sim_domain_block;

/*
 * Where the block sits, for the random streams. Static draws of a cell use
 * cell = (row0 + r) * tile_cols + col0 + c; static draws of a column
 * (comparator offset, switch error, parasitic capacitance) use cell =
 * col0 + c. Dynamic draws use column = col0 + c with the sample and MVM
 * index of each vector.
 */
/* The static errors of one column's readout: comparator offset and switch error. */
typedef struct aimrt_sim_readout_column {
    double comparator_offset_v;
    aimrt_sim_switch_error switch_error;
} aimrt_sim_readout_column;

/*
 * Static draws of a whole tile made once (the sim device makes them when it
 * writes the tile), so an MVM reuses them instead of drawing again. Each
 * is exactly the value the domain would draw, so outputs keep their bits.
 * Arrays are indexed by tile cell (row * tile_cols + column), tile row or
 * tile column. The domain draws the values of a NULL array per call.
 */
typedef struct aimrt_sim_domain_statics {
    const double *cell_factor;   /* 1 + the cell's relative mismatch (capacitor or current) */
    const double *delay_s;       /* time: the stage's static delay error sigma_tau z */
    const double *row_edge_s;    /* charge: the row's PWM edge error */
    const double *c_parasitic_f; /* capacitor schemes: the column's parasitic capacitance */
    const aimrt_sim_readout_column *columns; /* the column's readout errors */
    const double *lsb_level;     /* the column's converter LSB; 0 or NULL: readout.lsb_level */
    const double *low_level;     /* the column's code 0 with a span; NaN or NULL: symmetric */
    double *analog;              /* n_vectors x n_cols of the block: receives each output's
                                  * value before conversion, in level units; NULL: not kept */
} aimrt_sim_domain_statics;

typedef struct aimrt_sim_domain_keys {
    const aimrt_sim_domain_statics *statics; /* NULL: every static value is drawn per call */
    uint64_t seed;
    uint32_t tile;
    int64_t tile_cols;
    int64_t row0;
    int64_t col0;
    const int64_t *sample; /* n_vectors global sample indices */
    const int64_t *mvm;    /* n_vectors MVM indices */
} aimrt_sim_domain_keys;

/* What a domain returns for each output. */
typedef enum aimrt_sim_readout_kind {
    AIMRT_SIM_READOUT_ANALOG = 0,    /* the analog value in level units, no conversion */
    AIMRT_SIM_READOUT_LOSSLESS = 1,  /* the nearest integer, no clipping */
    AIMRT_SIM_READOUT_CONVERTER = 2, /* SAR ADC on the comparator (a TDC in the time domain) */
    AIMRT_SIM_READOUT_COUNT
} aimrt_sim_readout_kind;

/*
 * Readout of a sampled node: switch error and kT/C noise at sampling, then
 * the conversion. The converter has codes -2^(bits-1) .. 2^(bits-1) - 1 that
 * reconstruct to code * lsb_level level units. An integer lsb_level keeps
 * every output an integer, and 1 makes an ideal converter lossless on column
 * sums inside its range. With span set, its codes are 0 .. 2^bits - 1 and
 * reconstruct to low_level + code * lsb_level instead. Its comparator
 * decides each SAR bit with its static offset and fresh noise. Every field
 * at 0 except kind is an ideal readout.
 */
typedef struct aimrt_sim_readout_params {
    aimrt_sim_readout_kind kind;
    int32_t bits;     /* converter: 1 .. AIMRT_SIM_MAX_CONVERTER_BITS */
    double lsb_level; /* converter LSB in level units, > 0 */
    bool span;        /* codes from 0 up, code 0 at low_level */
    double low_level; /* with span: level units of code 0 */
    aimrt_sim_comparator_params comparator;
    double ktc_temperature_k; /* 0: no kT/C noise */
    int32_t ktc_n_samples;    /* samples whose noise adds; 0 counts as 1 */
    bool ktc_cds;             /* correlated double sampling removes the reset noise */
    aimrt_sim_injection_params injection; /* scale 0: no switch error */
} aimrt_sim_readout_params;

/* How a division scheme's digital side undoes the denominator. */
typedef enum aimrt_sim_division_undo {
    AIMRT_SIM_UNDO_PER_COLUMN = 0, /* each column's own nominal denominator (calibrated gain) */
    AIMRT_SIM_UNDO_CONSTANT = 1,   /* n_rows times a fixed row sum, as constant-sum pairs give */
    AIMRT_SIM_UNDO_COUNT
} aimrt_sim_division_undo;

/*
 * Current domain: row voltages x / x_full v_read_v on
 * conductances level / M g_max_us into clamped columns; the clamp's
 * transimpedance r_tia_ohm gives the sampled voltage. Effects: first-order
 * IR drop, read noise per MVM, output noise, then the readout.
 */
typedef struct aimrt_sim_current_params {
    double g_max_us;  /* conductance of the top level, > 0 */
    double v_read_v;  /* row voltage of a full-scale input, > 0 */
    double r_tia_ohm; /* transimpedance of the clamp, > 0; no published default */
    double c_sample_f; /* sampling capacitance of the ADC, > 0 when kT/C is on */
    bool ir_drop;     /* first-order IR drop with wires */
    aimrt_sim_wires wires;
    aimrt_sim_read_noise_type read_noise;
    double read_noise_s;      /* per-weight read noise, normalized units */
    double output_noise_norm; /* output-referred noise, normalized units */
    aimrt_sim_readout_params readout;
} aimrt_sim_current_params;

/*
 * Charge domain: PWM wordline pulses (the timing model of
 * converters.h) let cells of current level / M i_cell_max_a discharge a
 * bitline precharged to v_precharge_v. Negative inputs discharge the
 * complementary bitline, and the output is the difference. With
 * node_voltage_dependence the cell is a conductance, so the bitline
 * decays as V exp(-sum G_i t_i / C) instead of falling linearly. Transistor
 * mismatch scales each cell current by (1 + sigma_i_rel z).
 */
typedef struct aimrt_sim_charge_params {
    double c_bitline_f;   /* > 0 */
    double v_precharge_v; /* > 0 */
    double i_cell_max_a;  /* current of a top-level cell at v_precharge_v, > 0 */
    aimrt_sim_pwm_params pwm; /* pulse of input integer k: k t_lsb_s, edge error, jitter */
    bool node_voltage_dependence;
    double sigma_i_rel;   /* static cell-current mismatch, >= 0 */
    aimrt_sim_readout_params readout; /* samples the discharge on c_bitline_f */
} aimrt_sim_charge_params;

/*
 * Charge redistribution: each cell's capacitor is charged to
 * v_dd_v (level / M)(x / x_full), then the column's capacitors and its
 * parasitic capacitance share charge (aimrt_sim_charge_sharing_v). The
 * digital side multiplies by the nominal total capacitance
 * n_rows c_unit_f + C_p. Effects: capacitor mismatch, parasitic
 * capacitance spread, kT/C of the shared node, injection,
 * SAR comparator.
 */
typedef struct aimrt_sim_charge_redist_params {
    double c_unit_f;             /* > 0 */
    double mismatch_a_c_sqrt_ff; /* A_C: sigma(dC/C) = A_C / sqrt(c_unit in fF), >= 0 */
    double v_dd_v;               /* > 0 */
    aimrt_sim_parasitic_params parasitic;
    aimrt_sim_readout_params readout;
} aimrt_sim_charge_redist_params;

/*
 * Capacitive division: bottom plates step and the floating
 * column node moves by sum C_i dE_i / (sum C_i + C_p)
 * (aimrt_sim_capacitive_division_v). Polarity weights: unit capacitors
 * stepping by v_step_v (level / M)(x / x_full). Capacitance weights:
 * C_i = c_unit_f level / M stepping by v_step_v x / x_full, so the
 * denominator depends on the weights and undo chooses how the digital side
 * divides it out. Effects as charge redistribution.
 */
typedef struct aimrt_sim_capdiv_params {
    bool weight_as_capacitance;
    double c_unit_f;             /* unit (or top-level) capacitance, > 0 */
    double mismatch_a_c_sqrt_ff; /* as charge redistribution */
    double v_step_v;             /* > 0 */
    aimrt_sim_parasitic_params parasitic;
    aimrt_sim_division_undo undo; /* capacitance weights only */
    double row_sum_f;             /* UNDO_CONSTANT: nominal capacitance per row */
    aimrt_sim_readout_params readout;
} aimrt_sim_capdiv_params;

/*
 * Resistive division: rows at v_ref_v + v_read_v x / x_full
 * drive conductances level / M g_max_us into an unclamped column with a load
 * g_load_us to v_ref_v; the column settles at
 * (sum G_i V_i + G_L V_ref) / (sum G_i + G_L) (aimrt_sim_resistive_division_v).
 * Effects: driver resistance (drivers only, one fixed-point step),
 * settling from v_start_v for t_sample_s, then the readout.
 */
typedef struct aimrt_sim_resdiv_params {
    double g_max_us; /* > 0 */
    double v_ref_v;
    double v_read_v;  /* > 0 */
    double g_load_us; /* >= 0 */
    aimrt_sim_division_undo undo;
    double row_sum_us;   /* UNDO_CONSTANT: nominal conductance per row */
    double r_driver_ohm; /* >= 0 */
    double c_line_f;     /* settling: line capacitance, > 0 when t_sample_s > 0 */
    double t_sample_s;   /* 0: sampled after full settling */
    double v_start_v;    /* line voltage when the inputs switch on */
    double c_sample_f;   /* > 0 when kT/C is on */
    aimrt_sim_readout_params readout;
} aimrt_sim_resdiv_params;

/* The two time-domain circuits: a delay line and integrate-to-threshold. */
typedef enum aimrt_sim_time_variant {
    AIMRT_SIM_TIME_DELAY_LINE = 0,     /* (a) T = sum of stage delays */
    AIMRT_SIM_TIME_INTEGRATE_FIRE = 1, /* (b) crossing time of an integrate-and-fire node */
    AIMRT_SIM_TIME_VARIANT_COUNT
} aimrt_sim_time_variant;

/*
 * Time domain. Delay line: each row adds a stage of
 * tau_0_s + static N(0, sigma_tau_s) plus dtau_s level x (signed,
 * bidirectional delay); the line adds jitter sqrt(n_rows) sigma_jitter_s per
 * pass, and a reference line of n_rows ideal tau_0_s starts the TDC, whose
 * LSB is readout.lsb_level dtau_s. Integrate-to-threshold: input i arrives at
 * (x_full - x_i) t_lsb_s and charges the node with weight level_i (times
 * 1 + sigma_i_rel z); the crossing time is normalized by the column's weight
 * sum, and the comparator's offset and noise move the threshold.
 */
typedef struct aimrt_sim_time_params {
    aimrt_sim_time_variant variant;
    double tau_0_s;        /* delay line: stage delay at product 0, >= 0 */
    double dtau_s;         /* delay line: delay per level unit, > 0 */
    double sigma_tau_s;    /* delay line: static stage mismatch, >= 0 */
    double sigma_jitter_s; /* delay line: jitter per stage and pass, >= 0 */
    double tdc_sigma_dnl_lsb; /* TDC threshold spread, >= 0 */
    double tdc_a_inl_lsb;     /* TDC INL bow */
    double tdc_sigma_noise_s; /* TDC timing noise per conversion, >= 0 */
    aimrt_sim_integrate_fire_params fire; /* integrate-to-threshold node */
    double t_lsb_s;           /* integrate-to-threshold: arrival time step, > 0 */
    double sigma_i_rel;       /* integrate-to-threshold: current-source mismatch, >= 0 */
    aimrt_sim_comparator_params comparator; /* integrate-to-threshold: threshold comparator */
    aimrt_sim_readout_params readout; /* converter: the TDC (delay line only) */
} aimrt_sim_time_params;

/* Returns the current domain's published values: g_max 25 uS (Nandakumar
 * 2019), and wires of 0.35 ohm with IR drop on, PCM read noise 0.0175 and
 * output noise 0.04 (aihwkit StandardHWATrainingPreset), readout LOSSLESS.
 * Values without a published source stay 0 for the target to set, and the
 * check rejects a required one that is still 0. The other domains have no
 * published values: a zeroed struct has every effect off. */
aimrt_sim_current_params aimrt_sim_current_defaults(void);

/*
 * Each domain function checks its parameters and the block (returning
 * AIMRT_ERR_INVALID_ARG with a message naming the field), then writes
 * y[n_vectors x n_cols] in level units and, when v_node is not NULL, the
 * physical node value of every output before readout effects (volts; the
 * time domain writes seconds). AIMRT_ERR_NOMEM when work memory fails.
 */
aimrt_status aimrt_sim_domain_current(const aimrt_sim_current_params *params,
                                      const aimrt_sim_domain_block *block,
                                      const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                      aimrt_error *error);
aimrt_status aimrt_sim_domain_charge(const aimrt_sim_charge_params *params,
                                     const aimrt_sim_domain_block *block,
                                     const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                     aimrt_error *error);
aimrt_status aimrt_sim_domain_charge_redist(const aimrt_sim_charge_redist_params *params,
                                            const aimrt_sim_domain_block *block,
                                            const aimrt_sim_domain_keys *keys, double *y,
                                            double *v_node, aimrt_error *error);
aimrt_status aimrt_sim_domain_capdiv(const aimrt_sim_capdiv_params *params,
                                     const aimrt_sim_domain_block *block,
                                     const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                     aimrt_error *error);
aimrt_status aimrt_sim_domain_resdiv(const aimrt_sim_resdiv_params *params,
                                     const aimrt_sim_domain_block *block,
                                     const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                     aimrt_error *error);
aimrt_status aimrt_sim_domain_time(const aimrt_sim_time_params *params,
                                   const aimrt_sim_domain_block *block,
                                   const aimrt_sim_domain_keys *keys, double *y, double *v_node,
                                   aimrt_error *error);

/*
 * The same transfer functions with the linear part of every vector as one
 * DGEMM on the block's static matrix (domain_gemm.c): same checks, same
 * random keys, outputs equal to the functions above up to the order of
 * floating-point sums. Resistive division with driver resistance, whose
 * fixed-point step is not a single product, runs the function above.
 */
aimrt_status aimrt_sim_domain_charge_gemm(const aimrt_sim_charge_params *params,
                                          const aimrt_sim_domain_block *block,
                                          const aimrt_sim_domain_keys *keys, double *y,
                                          double *v_node, aimrt_error *error);
aimrt_status aimrt_sim_domain_charge_redist_gemm(const aimrt_sim_charge_redist_params *params,
                                                 const aimrt_sim_domain_block *block,
                                                 const aimrt_sim_domain_keys *keys, double *y,
                                                 double *v_node, aimrt_error *error);
aimrt_status aimrt_sim_domain_capdiv_gemm(const aimrt_sim_capdiv_params *params,
                                          const aimrt_sim_domain_block *block,
                                          const aimrt_sim_domain_keys *keys, double *y,
                                          double *v_node, aimrt_error *error);
aimrt_status aimrt_sim_domain_resdiv_gemm(const aimrt_sim_resdiv_params *params,
                                          const aimrt_sim_domain_block *block,
                                          const aimrt_sim_domain_keys *keys, double *y,
                                          double *v_node, aimrt_error *error);
/* Time domain: the delay line's sums of level x as one product;
 * integrate-to-threshold, whose crossing is not linear, runs the reference. */
aimrt_status aimrt_sim_domain_time_gemm(const aimrt_sim_time_params *params,
                                        const aimrt_sim_domain_block *block,
                                        const aimrt_sim_domain_keys *keys, double *y,
                                        double *v_node, aimrt_error *error);

/* The delay line with each output's sum of level x given in products
 * (n_vectors x n_cols), or NULL to add them per output (domain_time.c). */
aimrt_status aimrt_sim_time_delay_line(const aimrt_sim_time_params *params,
                                       const aimrt_sim_domain_block *block,
                                       const aimrt_sim_domain_keys *keys, const double *products,
                                       double *y, double *v_node, aimrt_error *error);

/* Parameter and block checks of each domain, shared by both paths. */
aimrt_status aimrt_sim_charge_check(const aimrt_sim_charge_params *params,
                                    const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys, aimrt_error *error);
aimrt_status aimrt_sim_charge_redist_check(const aimrt_sim_charge_redist_params *params,
                                           const aimrt_sim_domain_block *block,
                                           const aimrt_sim_domain_keys *keys, aimrt_error *error);
aimrt_status aimrt_sim_capdiv_check(const aimrt_sim_capdiv_params *params,
                                    const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys, aimrt_error *error);
aimrt_status aimrt_sim_resdiv_check(const aimrt_sim_resdiv_params *params,
                                    const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys, aimrt_error *error);
aimrt_status aimrt_sim_time_check(const aimrt_sim_time_params *params,
                                  const aimrt_sim_domain_block *block,
                                  const aimrt_sim_domain_keys *keys, aimrt_error *error);

/* Charge domain: bitline discharge in volts after a = sum G_i t_i / C. */
double aimrt_sim_charge_discharge_v(const aimrt_sim_charge_params *params, double a);

/* Capacitive division: the denominator the digital side divides out for
 * column c of the block, from nominal capacitances. */
double aimrt_sim_capdiv_nominal_denominator_f(const aimrt_sim_capdiv_params *params,
                                              const aimrt_sim_domain_block *block, int64_t c);

/* Shared by the domains (domain_readout.c). */

/* Checks the block, the keys and the readout. domain_name names the domain in messages. */
aimrt_status aimrt_sim_domain_check(const char *domain_name, const aimrt_sim_domain_block *block,
                                    const aimrt_sim_domain_keys *keys,
                                    const aimrt_sim_readout_params *readout, aimrt_error *error);

/* Returns the static key of cell (r, c) of the block, or of column c when r < 0. */
aimrt_sim_static_key aimrt_sim_domain_static_key(const aimrt_sim_domain_keys *keys, int64_t r,
                                                 int64_t c);

/* Returns the dynamic key of vector v and column c of the block. */
aimrt_sim_dynamic_key aimrt_sim_domain_dynamic_key(const aimrt_sim_domain_keys *keys, int64_t v,
                                                   int64_t c);

/* Draws the readout's static errors of column c. */
aimrt_sim_readout_column aimrt_sim_readout_column_draw(const aimrt_sim_readout_params *readout,
                                                       const aimrt_sim_domain_keys *keys, int64_t c);

/* Returns the static errors of column c: the cached ones when keys has them,
 * else a fresh draw. */
aimrt_sim_readout_column aimrt_sim_readout_column_of(const aimrt_sim_readout_params *readout,
                                                     const aimrt_sim_domain_keys *keys, int64_t c);

/* Returns the readout of column c: readout with the cached LSB of the column when set. */
aimrt_sim_readout_params aimrt_sim_readout_of_column(const aimrt_sim_readout_params *readout,
                                                     const aimrt_sim_domain_keys *keys, int64_t c);

/* Returns 1 + the relative mismatch of cell (r, c) of the block: cached, or
 * 1 + sigma_rel z from the cell's AIMRT_SIM_EFFECT_MISMATCH stream. */
double aimrt_sim_domain_cell_factor(double sigma_rel, const aimrt_sim_domain_keys *keys, int64_t r,
                                    int64_t c);

/* Returns where output (v, c) keeps its value before conversion, or NULL. */
double *aimrt_sim_domain_analog_at(const aimrt_sim_domain_keys *keys, int64_t n_cols, int64_t v,
                                   int64_t c);

/* Returns sigma(dC/C) = a_c_sqrt_ff / sqrt(c_unit_f in fF) of a unit
 * capacitor (Pelgrom area law, D7); a cell's capacitor is
 * c_unit_f aimrt_sim_domain_cell_factor(sigma, ...). */
double aimrt_sim_domain_cap_sigma_rel(double a_c_sqrt_ff, double c_unit_f);

/*
 * Reads one output: the node at v_node_v, which is v_zero_v at a column sum
 * of 0 and moves v_per_level (nonzero, either sign) per level unit, is
 * sampled on c_sample_f (switch error, kT/C), then converted. Returns level
 * units; analog (may be NULL) receives the sampled value before conversion,
 * in level units.
 */
double aimrt_sim_readout_level(const aimrt_sim_readout_params *readout,
                               const aimrt_sim_readout_column *column, double v_node_v,
                               double v_zero_v, double v_per_level, double c_sample_f,
                               const aimrt_sim_dynamic_key *where, double *analog);

/* Returns the readout's kT/C sigma in volts on c_sample_f: 0 when it is off. */
double aimrt_sim_readout_ktc_sigma_v(const aimrt_sim_readout_params *readout, double c_sample_f);

/* aimrt_sim_readout_level with the kT/C noise in volts given: the draw
 * sigma z of effect AIMRT_SIM_EFFECT_KTC, draw 0, at where (or 0 when off). */
double aimrt_sim_readout_level_drawn(const aimrt_sim_readout_params *readout,
                                     const aimrt_sim_readout_column *column, double v_node_v,
                                     double v_zero_v, double v_per_level, double ktc_noise_v,
                                     const aimrt_sim_dynamic_key *where, double *analog);

#endif
