/* SPDX-License-Identifier: MIT */
/*
 * The pass interface and the pipeline. Every pass has the same signature and
 * declares the module properties it requires and provides; the driver checks
 * them, verifies the IR after each pass when asked, and dumps on request.
 */
#ifndef AIMCC_PASS_H
#define AIMCC_PASS_H

#include "ir/ir.h"

typedef struct aimcc_pass {
    const char *name;
    const char *summary;
    aimcc_status (*run)(aimcc_module *module, aimcc_ctx *ctx);
    uint32_t requires;
    uint32_t provides;
} aimcc_pass;

extern const aimcc_pass aimcc_pass_canonicalize;
extern const aimcc_pass aimcc_pass_select_domain;
extern const aimcc_pass aimcc_pass_quantize;
extern const aimcc_pass aimcc_pass_map;
extern const aimcc_pass aimcc_pass_bit_slice;
extern const aimcc_pass aimcc_pass_encode;
extern const aimcc_pass aimcc_pass_calibrate;
extern const aimcc_pass aimcc_pass_schedule;

/* The passes in pipeline order, terminated by NULL. */
extern const aimcc_pass *const aimcc_pipeline[];

/* Returns the pass with this name, or NULL. */
const aimcc_pass *aimcc_pass_find(const char *name);

/*
 * Runs the pipeline on module up to and including stop_after (NULL = all).
 * Dumps after dump_after ("all" or a pass name, NULL = none) into dump_dir as
 * NN-PASS.ir; runs aimcc_ir_verify after each pass when verify is true.
 */
aimcc_status aimcc_pipeline_run(aimcc_ctx *ctx, aimcc_module *module, const aimcc_options *options);

/* Checks that every KEY[NODE] compile option names the ONNX node of a
 * linear layer, so a misspelled node does not pass silently. The error
 * names the option and one allowed node. verb says what the option does to
 * the layer ("replicate", "place"). Defined in passes/option_nodes.c. */
aimcc_status aimcc_check_option_nodes(aimcc_ctx *ctx, const aimcc_module *module,
                                      const char *key, const char *verb);

/* Runs the passes that follow the pass named after, in order, with their
 * checks but without dumps; module->options is options meanwhile. */
aimcc_status aimcc_pipeline_run_after(aimcc_ctx *ctx, aimcc_module *module,
                                      const aimcc_options *options, const char *after);

#endif
