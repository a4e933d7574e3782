/* SPDX-License-Identifier: MIT */
/*
 * Measured layer errors for the select-domain pass (passes/select_measure.c).
 */
#ifndef AIMCC_SELECT_MEASURE_H
#define AIMCC_SELECT_MEASURE_H

#include "ir/ir.h"

/* Default of select.samples: calibration samples each trial run takes. */
#define AIMCC_SELECT_DEFAULT_SAMPLES 8

/*
 * With calibration data in module->options, runs the model once per tile
 * kind on the simulator with every linear layer on that kind, and fills
 * errors[layer * n_kinds + kind] with each layer's measured relative output
 * error (layers count the LINEAR ops in module order). A kind whose trial
 * cannot be built (its tiles do not hold a layer, say) keeps NaN there, and
 * the pass falls back to the estimate. Sets *measured when any value was
 * measured; without data it leaves errors untouched and returns AIMCC_OK.
 */
aimcc_status aimcc_select_measure(aimcc_ctx *ctx, const aimcc_module *module, int n_layers,
                                  double *errors, bool *measured);

#endif
