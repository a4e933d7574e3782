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
 * kind on the simulator with every linear layer on that kind. Fills
 * errors[layer * n_kinds + kind] with each layer's measured relative output
 * error, where layers count the LINEAR ops in module order. A kind whose trial
 * cannot be built (its tiles do not hold a layer, say) keeps NaN there, and
 * the pass falls back to the estimate. The first trial that runs also fills
 * sensitivity[layer] (see aimcc_select_sensitivity). Sets *measured when any
 * error was measured. Without data it leaves both arrays untouched.
 */
aimcc_status aimcc_select_measure(aimcc_ctx *ctx, const aimcc_module *module, int n_layers,
                                  double *errors, double *sensitivity, bool *measured);

/*
 * Fills sensitivity[layer] with how far a relative error at each layer's
 * output moves the model's output, in relative rms per unit, measured on
 * the exact device with the compiled module and the trial samples of
 * options. layer_of_op maps the program op index to the layer or -1.
 * Leaves NaN where the model's output cannot be compared. Defined in
 * passes/select_sensitivity.c.
 */
aimcc_status aimcc_select_sensitivity(aimcc_ctx *ctx, aimcc_module *compiled,
                                      const aimcc_options *options, const int *layer_of_op,
                                      int n_program_ops, int n_layers, double *sensitivity);

#endif
