/* SPDX-License-Identifier: MIT */
/*
 * A compile target: the chip's tile budget and its tile kinds, read from a
 * target JSON file (a preset in targets/ or a path) by aimcc_target_load.
 */
#ifndef AIMCC_TARGET_H
#define AIMCC_TARGET_H

#include "aimcc/aimcc.h"
#include "ir/arena.h"

#define AIMCC_TARGET_FORMAT 1

typedef struct aimcc_target aimcc_target;

typedef enum aimcc_domain {
    AIMCC_DOMAIN_CURRENT = 0,
    AIMCC_DOMAIN_CHARGE = 1,
    AIMCC_DOMAIN_CHARGE_REDIST = 2,
    AIMCC_DOMAIN_CAPDIV = 3,
    AIMCC_DOMAIN_RESDIV = 4,
    AIMCC_DOMAIN_TIME = 5,
    AIMCC_DOMAIN_COUNT = 6,
} aimcc_domain;

/* Returns "current", "charge", "charge-redist", "capdiv", "resdiv" or "time". */
const char *aimcc_domain_name(aimcc_domain domain);

typedef struct aimcc_tile_kind {
    const char *name;
    aimcc_domain domain;
    int64_t rows;
    int64_t cols;
    int64_t n_tiles;      /* budget of this kind on the chip */
    const char *cell;     /* "float", "pcm", ... */
    int weight_bits;      /* 0 = float weights */
    int cell_bits;        /* 0 = float cells */
    const char *encoding; /* "signed-float", "differential", ... */
    const char *input_mode;   /* "float", "amplitude", "bit-serial" or "pwm" */
    int input_bits;           /* DAC bits; 0 for float inputs */
    const char *input_signed; /* "one-pass", "two-pass", or NULL when absent */
    const char *adc_range;    /* "lossless" or "calibrated" */
    int adc_bits;             /* 0 for a lossless readout */
} aimcc_tile_kind;

struct aimcc_target {
    const char *name;
    const char *path;     /* file it was read from */
    const char *json;     /* the JSON text after --set overrides, stored in the program */
    int n_kinds;
    aimcc_tile_kind *kinds;
};

/*
 * Loads a target by preset name (looked up in aimcc_targets_dir()) or by path,
 * applies --set overrides, and validates it. Errors name the file and key.
 */
aimcc_status aimcc_target_load(aimcc_ctx *ctx, aimcc_arena *arena, const char *name_or_path,
                               const aimcc_binding *sets, int n_sets, aimcc_target **out);

#endif
