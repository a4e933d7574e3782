/* SPDX-License-Identifier: MIT */
/*
 * The check that a per-node compile option (KEY[NODE]) names a node with a
 * linear layer, shared by the passes that read such options.
 */
#include <stdbool.h>
#include <string.h>

#include "ir/target.h"
#include "passes/pass.h"

aimcc_status aimcc_check_option_nodes(aimcc_ctx *ctx, const aimcc_module *module,
                                      const char *key, const char *verb)
{
    const aimcc_target *target = module->target;
    const aimcc_op *first_linear = NULL;
    for (const aimcc_op *op = module->first; op != NULL && first_linear == NULL; op = op->next)
        if (op->code == AIMRT_OP_LINEAR)
            first_linear = op;

    for (int i = 0; target != NULL && i < target->n_options; i++) {
        const aimcc_target_option *option = &target->options[i];
        if (option->key == NULL || strcmp(option->key, key) != 0)
            continue;
        bool found = false;
        for (const aimcc_op *op = module->first; op != NULL && !found; op = op->next)
            found = op->code == AIMRT_OP_LINEAR &&
                    (op->node == option->node ||
                     (op->node != NULL && option->node != NULL &&
                      strcmp(op->node, option->node) == 0));
        if (found)
            continue;
        if (first_linear == NULL)
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, option->node, NULL,
                              "--set %s[%s] names a node, but the model has no linear layers "
                              "to %s; remove the option",
                              key, option->node, verb);
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, option->node, NULL,
                          "--set %s[%s] names no linear layer; allowed: the ONNX node name of a "
                          "Conv, Gemm or MatMul with a constant weight, such as \"%s\"",
                          key, option->node, first_linear->node != NULL ? first_linear->node : "");
    }
    return AIMCC_OK;
}
