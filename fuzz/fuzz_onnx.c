/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: any bytes given to the ONNX importer must compile or fail with a diagnostic. */
#include "aimcc/aimcc.h"
#include "frontend/onnx_import.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(data, size, ".onnx");
    aimcc_log_set_level(AIMCC_LOG_ERROR);

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = NULL;
    const aimcc_status status = aimcc_compile_model(ctx, path, NULL, &compile);

    /* A failure must always carry a message, and success a module. */
    if (status != AIMCC_OK && aimcc_ctx_diag(ctx)->message[0] == '\0')
        abort();
    if (status == AIMCC_OK && !aimcc_compile_module(compile))
        abort();
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    unlink(path);
    return 0;
}
