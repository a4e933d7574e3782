/* SPDX-License-Identifier: MIT */
/*
 * The compile driver: import the ONNX model, bind the target, run the pass
 * pipeline, and write the program. The aimcc command and library callers
 * enter here.
 */
#include "aimcc/aimcc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/emit.h"
#include "frontend/onnx_import.h"
#include "ir/ir.h"
#include "ir/target.h"
#include "passes/pass.h"

struct aimcc_compile {
    aimcc_arena *arena;
    const char *model_path;
    aimcc_module *module;
    aimcc_target *target;
};

/* Imports the model. When an op moves a batch axis that came from a fixed
 * leading 1, the model is imported again with that dimension fixed. */
static aimcc_status import_model(aimcc_ctx *ctx, aimcc_compile *compile, const char *model_path,
                                 const aimcc_options *options)
{
    aimcc_status status = aimcc_onnx_import(ctx, compile->arena, model_path, options,
                                            &compile->module);
    if (status == AIMCC_OK || options->fixed_batch)
        return status;
    if (status != AIMCC_ERR_UNSUPPORTED || !compile->module || !compile->module->batch_broken)
        return status;

    aimcc_options fixed = *options;
    fixed.fixed_batch = true;
    aimcc_diag first = *aimcc_ctx_diag(ctx);
    aimcc_ctx_clear(ctx);
    status = aimcc_onnx_import(ctx, compile->arena, model_path, &fixed, &compile->module);
    if (status == AIMCC_ERR_UNSUPPORTED && compile->module && compile->module->batch_broken) {
        /* The batch is symbolic, so no exported size exists: report the first reason. */
        aimcc_ctx_clear(ctx);
        return aimcc_fail(ctx, first.status, first.node, first.op, "%s", first.message);
    }
    if (status == AIMCC_OK)
        AIMCC_LOG(AIMCC_LOG_INFO, "frontend", NULL,
                  "an op moves the batch axis, so the program runs at the exported batch size");
    return status;
}

/* Copies the limits that --set limits.KEY gave over those of the options. */
static void apply_limit_options(const aimcc_target *target, aimcc_limits *limits)
{
    limits->max_nodes = aimcc_target_option_int(target, "limits.max_nodes", NULL,
                                                limits->max_nodes);
    limits->max_tensor_elements = aimcc_target_option_int(target, "limits.max_tensor_elements",
                                                          NULL, limits->max_tensor_elements);
    limits->max_tensor_bytes = aimcc_target_option_int(target, "limits.max_tensor_bytes", NULL,
                                                       limits->max_tensor_bytes);
    limits->max_total_bytes = aimcc_target_option_int(target, "limits.max_total_bytes", NULL,
                                                      limits->max_total_bytes);
    limits->max_external_bytes = aimcc_target_option_int(target, "limits.max_external_bytes",
                                                         NULL, limits->max_external_bytes);
}

aimcc_status aimcc_compile_model(aimcc_ctx *ctx, const char *model_path, const aimcc_options *options,
                                 aimcc_compile **out)
{
    static const aimcc_options no_options;
    if (!options)
        options = &no_options;
    *out = NULL;

    aimcc_compile *compile = calloc(1, sizeof *compile);
    if (!compile)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    compile->arena = aimcc_arena_create();
    if (compile->arena)
        compile->model_path = aimcc_arena_strdup(compile->arena, model_path);
    if (!compile->arena || !compile->model_path) {
        free(compile);
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    }

    aimcc_ctx_set_pass(ctx, "target");
    aimcc_status status = aimcc_target_load(ctx, compile->arena,
                                            options->target ? options->target : "float",
                                            options->sets, options->n_sets, &compile->target);
    if (status != AIMCC_OK)
        goto fail;

    /* The target is loaded first, so the frontend reads the limits that --set gave. */
    aimcc_options limited = *options;
    apply_limit_options(compile->target, &limited.limits);
    aimcc_ctx_set_pass(ctx, "frontend");
    aimcc_ctx_set_file(ctx, model_path);
    status = import_model(ctx, compile, model_path, &limited);
    if (status != AIMCC_OK)
        goto fail;
    compile->module->target = compile->target;
    compile->module->target_name = compile->target->name;

    status = aimcc_pipeline_run(ctx, compile->module, options);
    if (status != AIMCC_OK)
        goto fail;
    aimcc_ctx_set_pass(ctx, NULL);
    *out = compile;
    return AIMCC_OK;

fail:
    aimcc_compile_destroy(compile);
    return status;
}

aimcc_module *aimcc_compile_module(aimcc_compile *compile)
{
    return compile->module;
}

void aimcc_compile_destroy(aimcc_compile *compile)
{
    if (!compile)
        return;
    aimcc_arena_destroy(compile->arena);
    free(compile);
}

aimcc_status aimcc_compile_write_program(aimcc_ctx *ctx, aimcc_compile *compile, const char *path)
{
    /* The write errors are about the output path, which they name first, so
     * they carry neither the model file nor the pass. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        aimcc_ctx_set_file(ctx, NULL);
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "%s: is a folder, not a file; give the path of the program file to "
                          "write, such as %s/model.aimc",
                          path, path);
    }

    aimcc_ctx_set_pass(ctx, "backend");
    aimcc_status status = aimcc_emit_program_source(ctx, compile->module, compile->model_path,
                                                    path);
    aimcc_ctx_set_pass(ctx, NULL);
    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    const size_t length = strlen(path);
    if (status == AIMCC_ERR_IO && strncmp(diag->message, path, length) == 0 &&
        diag->message[length] == ':') {
        const aimcc_diag write_error = *diag;
        aimcc_ctx_clear(ctx);
        aimcc_ctx_set_file(ctx, NULL);
        status = aimcc_fail(ctx, write_error.status, NULL, NULL, "%s", write_error.message);
    }
    return status;
}

aimcc_status aimcc_compile_dump(aimcc_ctx *ctx, aimcc_compile *compile, void *file, bool weights)
{
    return aimcc_ir_print(ctx, compile->module, (FILE *)file, weights);
}
