/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the IR text parser must parse or reject any text with a diagnostic. */
#include "aimcc/aimcc.h"
#include "fuzz_support.h"
#include "ir/ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimcc_log_set_level(AIMCC_LOG_ERROR);
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    aimcc_module *module = NULL;

    const aimcc_status status = aimcc_ir_parse(ctx, arena, (const char *)data, size, "fuzz.ir",
                                               &module);
    if (status != AIMCC_OK && aimcc_ctx_diag(ctx)->message[0] == '\0')
        abort();
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
    return 0;
}
