/* SPDX-License-Identifier: MIT */
/*
 * The ONNX import driver: read and unpack the model, check its opsets,
 * validate the graph (onnx_graph.c), bind inputs and initializers, lower
 * every node, and add the graph outputs. The unpacked protobuf is freed
 * before returning, so no protobuf memory reaches the passes.
 */
#include "frontend/onnx_import.h"

#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_frontend.h"

/* Default-domain opsets whose op definitions the lowering rules implement. */
#define ONNX_MIN_OPSET 7
#define ONNX_MAX_OPSET 18

/* Reads and unpacks the model; any bytes that are not a ModelProto give one error. */
static aimcc_status unpack_model(aimcc_ctx *ctx, const char *path, Onnx__ModelProto **model)
{
    uint8_t *bytes = NULL;
    size_t n_bytes = 0;
    aimcc_status status = onnx_file_read(ctx, path, "model", &bytes, &n_bytes);
    if (status != AIMCC_OK)
        return status;
    *model = NULL;
    /* The import made path the context's file, so the messages below do not repeat it. */
    const bool is_program = n_bytes >= 4 && memcmp(bytes, "AIMC", 4) == 0;
    if (!is_program && onnx_wire_check(bytes, n_bytes, &onnx__model_proto__descriptor))
        *model = onnx__model_proto__unpack(NULL, n_bytes, bytes);
    free(bytes);
    if (is_program)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "the file is an aimcc program (it starts with \"AIMC\"), not an ONNX "
                          "model; run it with aimcc run or eval, or give the .onnx model it was "
                          "compiled from");
    if (!*model)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "the file is not a valid ModelProto (truncated or corrupt protobuf); "
                          "re-export the model");
    if (!(*model)->graph)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "the model contains no graph; re-export the model");
    return AIMCC_OK;
}

/* Finds the default-domain opset (0 when absent) and checks it is in range. */
static aimcc_status read_opset(aimcc_ctx *ctx, const Onnx__ModelProto *model, int64_t *opset)
{
    *opset = 0;
    for (size_t i = 0; i < model->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *entry = model->opset_import[i];
        const bool is_default =
            !entry->domain || !entry->domain[0] || !strcmp(entry->domain, "ai.onnx");
        /* A model binds each domain to the highest version it imports. */
        if (is_default && entry->version > *opset)
            *opset = entry->version;
    }
    if (*opset != 0 && (*opset < ONNX_MIN_OPSET || *opset > ONNX_MAX_OPSET))
        return aimcc_fail(ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "the model uses opset %lld of the default ONNX domain; aimcc supports "
                          "opsets %d to %d, so convert it with onnx.version_converter",
                          (long long)*opset, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
    return AIMCC_OK;
}

static aimcc_status add_graph_outputs(onnx_import *import, const Onnx__GraphProto *graph)
{
    for (size_t i = 0; i < graph->n_output; i++) {
        const char *name = graph->output[i]->name;
        aimcc_value *value = onnx_import_lookup(import, name);
        if (!value)
            return aimcc_fail(import->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                              "graph output '%s' has no value after lowering", name);
        if (aimcc_ir_module_add_output(import->module, value) != AIMCC_OK)
            return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                              "out of memory adding graph output '%s'", name);
    }
    return AIMCC_OK;
}

/* Validates, binds and lowers the unpacked model into import->module. */
static aimcc_status import_graph(onnx_import *import, const Onnx__ModelProto *model)
{
    onnx_plan *plan = NULL;
    aimcc_status status = onnx_plan_model(import, model, &plan);
    if (status == AIMCC_OK)
        status = onnx_import_inputs(import, plan);
    if (status == AIMCC_OK)
        status = onnx_import_initializers(import, plan);
    if (status == AIMCC_OK)
        status = onnx_lower_plan(import, plan);
    if (status == AIMCC_OK)
        status = add_graph_outputs(import, model->graph);
    return status;
}

aimcc_status aimcc_onnx_import(aimcc_ctx *ctx, aimcc_arena *arena, const char *path,
                               const aimcc_options *options, aimcc_module **out)
{
    static const aimcc_options no_options;
    if (!options)
        options = &no_options;
    *out = NULL;
    aimcc_ctx_set_file(ctx, path);
    aimcc_ctx_set_pass(ctx, "frontend");

    Onnx__ModelProto *model = NULL;
    aimcc_status status = unpack_model(ctx, path, &model);
    if (status != AIMCC_OK)
        goto cleanup;

    onnx_import import = {
        .ctx = ctx,
        .arena = arena,
        .file = aimcc_arena_strdup(arena, path),
        .model_dir = onnx_path_folder(arena, path),
        .options = options,
        .limits = onnx_limits_resolve(&options->limits),
        .limits_settable = true,
    };
    status = read_opset(ctx, model, &import.opset);
    if (status != AIMCC_OK)
        goto cleanup;
    import.module = aimcc_ir_module_create(arena, model->graph->name);
    import.scope = onnx_name_map_create(arena, NULL);
    if (!import.file || !import.model_dir || !import.module || !import.scope) {
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory importing %s", path);
        goto cleanup;
    }

    status = import_graph(&import, model);
    if (status == AIMCC_OK)
        import.module->properties |= AIMCC_PROP_IMPORTED;

    /* A module that failed because an op moved the batch axis is returned too,
     * so the compile driver can import again with a fixed batch. */
    if (status == AIMCC_OK || (import.module && import.module->batch_broken))
        *out = import.module;

cleanup:
    if (model)
        onnx__model_proto__free_unpacked(model, NULL);
    return status;
}
