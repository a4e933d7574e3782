/* SPDX-License-Identifier: MIT */
/*
 * A compile target: the chip's tile budget and its tile kinds, read from a
 * target JSON file (a preset in targets/ or a path) by aimcc_target_load.
 */
#ifndef AIMCC_TARGET_H
#define AIMCC_TARGET_H

#include "aimcc/aimcc.h"
#include "aimrt/params.h"
#include "aimrt/tile.h"
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
    const char *input_signed; /* "one-pass", "two-pass-analog", "two-pass-digital", or NULL
                               * when absent (then one-pass) */
    const char *adc_range;    /* "lossless" or "calibrated" */
    int adc_bits;             /* 0 for a lossless readout */
    bool drift_compensation;  /* the runtime rescales the outputs of ops on these tiles by
                               * global drift compensation (docs/program-format.md, tiles):
                               * the kind's drift_compensation key, else whether
                               * circuit.drift_compensation is "global". The compile option
                               * drift_compensation overrides it for every kind. */

    /* The strings above as the runtime's enums, for the passes and the program. */
    aimrt_encoding encoding_code;     /* from encoding */
    aimrt_input_mode input_mode_code; /* from input.mode */
    aimrt_input_sign input_sign_code; /* from input.signed: ONE_PASS (also when absent),
                                       * TWO_PASS_ANALOG or TWO_PASS_DIGITAL, never UNSIGNED */
    aimrt_input_range input_range_code; /* from input.range: DYNAMIC (also when absent) or STATIC */
    double input_range;                 /* input.range as a number: the largest |x| that the DAC
                                         * codes, in input units, > 0; 0 when DYNAMIC */
    aimrt_kind_params params;           /* device, circuit, converter and cost parameters by
                                         * aimrt_param id, in the registry's units */
} aimcc_tile_kind;

/* A compile option given by --set that is not a field of the target file:
 * quantize.per_layer, limits.KEY, or map.replicate[NODE] with node set. */
typedef struct aimcc_target_option {
    const char *key;  /* "quantize.per_layer", "map.replicate", "limits.KEY", "calibrate.KEY",
                       * "select.KEY" */
    const char *node; /* the ONNX node name of KEY[NODE]; NULL for other keys */
    int64_t value;    /* integer options */
    double number;    /* number options, and integer options as a double */
    const char *text; /* the value as given on the command line */
} aimcc_target_option;

struct aimcc_target {
    const char *name;
    const char *path;     /* file it was read from */
    const char *json;     /* the JSON text after --set overrides, stored in the program */
    int n_kinds;
    aimcc_tile_kind *kinds;
    int n_options;                 /* compile options from --set, one per key and node */
    aimcc_target_option *options;
};

/*
 * Loads a target by preset name (looked up in aimcc_targets_dir()) or by path,
 * applies --set overrides, and validates it. Errors name the file and key.
 */
aimcc_status aimcc_target_load(aimcc_ctx *ctx, aimcc_arena *arena, const char *name_or_path,
                               const aimcc_binding *sets, int n_sets, aimcc_target **out);

/*
 * Returns the value of the compile option key (for map.replicate, the one of
 * node), or fallback when --set did not give it. Keys: "quantize.per_layer"
 * (0 or 1, node NULL), "map.replicate" (1 to 64, node = ONNX node name) and
 * the frontend limits "limits.max_nodes" and the other fields of aimcc_limits
 * (at least 1, node NULL).
 * target may be NULL (then fallback).
 */
int64_t aimcc_target_option_int(const aimcc_target *target, const char *key, const char *node,
                                int64_t fallback);

/*
 * The same for number options (calibrate.percentile, calibrate.adc_percentile,
 * select.max_error) and for choice and text options (calibrate.input:
 * percentile|mse|max; select.objective: energy|latency|edp; select.force[NODE]:
 * a kind or domain name). Integer options: calibrate.seed, calibrate.instances
 * (1 to 64), calibrate.probes (2 to 4096), calibrate.affine (0 or 1),
 * calibrate.adc_samples (at least 1).
 */
double aimcc_target_option_number(const aimcc_target *target, const char *key, const char *node,
                                  double fallback);
const char *aimcc_target_option_text(const aimcc_target *target, const char *key,
                                     const char *node, const char *fallback);

#endif
