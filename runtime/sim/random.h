/* SPDX-License-Identifier: MIT */
/*
 * Counter-based random streams of the simulator (Random123 Philox4x32-10).
 * A draw is a pure function of its key and counter, so results never depend
 * on batch position, thread or process. Static draws are keyed by
 * (seed, tile, effect, cell); dynamic draws by (seed, tile, effect, global
 * sample index, MVM index within the sample) and the output column. Each
 * effect has its own code, so turning one effect on does not change the
 * draws of another.
 */
#ifndef AIMRT_SIM_RANDOM_H
#define AIMRT_SIM_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

/* Effect codes key the streams. Values are fixed and only appended, because
 * changing one would change every result of that effect for a given seed. */
typedef enum aimrt_sim_effect {
    AIMRT_SIM_EFFECT_PROGRAMMING = 1,
    AIMRT_SIM_EFFECT_DRIFT_NU = 2,
    AIMRT_SIM_EFFECT_READ_NOISE_ACCUMULATED = 3,
    AIMRT_SIM_EFFECT_READ_NOISE = 4,
    AIMRT_SIM_EFFECT_FAULT = 5,
    AIMRT_SIM_EFFECT_MISMATCH = 6,
    AIMRT_SIM_EFFECT_OUTPUT_NOISE = 7,
    AIMRT_SIM_EFFECT_ADC = 8,
    AIMRT_SIM_EFFECT_DAC = 9,
    AIMRT_SIM_EFFECT_KTC = 10,
    AIMRT_SIM_EFFECT_INJECTION = 11,
    AIMRT_SIM_EFFECT_COMPARATOR = 12,
    AIMRT_SIM_EFFECT_JITTER = 13,
    AIMRT_SIM_EFFECT_DELAY = 14,
    AIMRT_SIM_EFFECT_PARASITIC = 15,  /* parasitic capacitance per column */
    AIMRT_SIM_EFFECT_SENSITIVITY = 16, /* noise the compiler adds to a layer's output to
                                        * measure how far it moves the model's output */
} aimrt_sim_effect;

/* The key of one static stream: one draw sequence per cell. */
typedef struct aimrt_sim_static_key {
    uint64_t seed;
    uint32_t tile;
    uint32_t effect;
    uint64_t cell;  /* row * cols + column */
} aimrt_sim_static_key;

/* The key of one dynamic stream: one draw sequence per output of one MVM. */
typedef struct aimrt_sim_dynamic_key {
    uint64_t seed;
    uint32_t tile;
    uint32_t effect;
    int64_t sample;    /* global sample index */
    int64_t mvm;       /* MVM index within the sample (patch, phase, ...) */
    uint64_t column;   /* output column, or input row for input-side effects */
} aimrt_sim_dynamic_key;

/*
 * Field ranges inside which every distinct key and draw index gives its own
 * Philox counter (random.c documents the bit layout). A field outside its
 * range keeps only its low bits, so it repeats the stream of a smaller value:
 * callers check sizes against these limits before drawing.
 */
#define AIMRT_SIM_RANDOM_MAX_EFFECT 255
#define AIMRT_SIM_RANDOM_STATIC_MAX_CELL ((UINT64_C(1) << 55) - 1)
#define AIMRT_SIM_RANDOM_DYNAMIC_MAX_DRAWS 256 /* draw indices 0 .. 255 per dynamic key */
#define AIMRT_SIM_RANDOM_DYNAMIC_MAX_TILE ((1u << 15) - 1)
#define AIMRT_SIM_RANDOM_DYNAMIC_MAX_COLUMN ((UINT64_C(1) << 24) - 1)
#define AIMRT_SIM_RANDOM_DYNAMIC_MAX_MVM ((INT64_C(1) << 32) - 1)
#define AIMRT_SIM_RANDOM_DYNAMIC_MAX_SAMPLE ((INT64_C(1) << 40) - 1)

/* Returns the i-th uniform double in (0, 1) of a static or dynamic stream. */
double aimrt_sim_uniform_static(const aimrt_sim_static_key *key, uint32_t i);
double aimrt_sim_uniform_dynamic(const aimrt_sim_dynamic_key *key, uint32_t i);

/* Returns the i-th standard normal draw of a stream (Box-Muller on two uniforms). */
double aimrt_sim_normal_static(const aimrt_sim_static_key *key, uint32_t i);
double aimrt_sim_normal_dynamic(const aimrt_sim_dynamic_key *key, uint32_t i);

/*
 * Returns whether v + sigma z > 0 for z = aimrt_sim_normal_dynamic(key, i),
 * bit for bit as that sum in double precision, but computes the logarithm
 * and cosine of the draw only when they can change the result: the sign of
 * z follows from its second uniform, and |z| <= sqrt(-2 ln u1). Most
 * comparator decisions need neither. sigma >= 0.
 */
bool aimrt_sim_normal_dynamic_lifts(const aimrt_sim_dynamic_key *key, uint32_t i, double v,
                                    double sigma);

/* Writes z[k] = aimrt_sim_normal_dynamic(key with column + k, i) for k in
 * [0, n): independent blocks in a row, so the processor overlaps them. */
void aimrt_sim_normal_dynamic_columns(const aimrt_sim_dynamic_key *key, uint32_t i, int64_t n,
                                      double *z);

#endif
