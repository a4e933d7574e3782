/* SPDX-License-Identifier: MIT */
/*
 * A small interpreter for IR modules in tests: runs each op of a module in
 * order with the runtime kernels (aimrt_op_infer, then aimrt_op_run), so
 * frontend tests check what an import computes without the passes or the
 * program format.
 */
#ifndef AIMCC_TEST_IR_EVAL_H
#define AIMCC_TEST_IR_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"
#include "test_pipeline.h"

/*
 * Runs module on inputs, one per module input in order. A batched input may
 * carry any leading size: shapes are inferred again at run time, so the batch
 * flows through the ops as it does in a program. Allocates outputs[0 ..
 * module->n_outputs) in module output order (free each with test_tensor_free).
 * Returns false with a one-line reason in message.
 */
bool test_ir_eval(const aimcc_module *module, const test_tensor *inputs, int n_inputs,
                  test_tensor *outputs, int max_outputs, char *message, size_t size);

#endif
