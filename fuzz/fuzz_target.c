/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the target-file loader must accept or reject any JSON with a diagnostic. */
#include "aimcc/aimcc.h"
#include "fuzz_support.h"
#include "ir/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file(data, size, ".json");
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    aimcc_target *target = NULL;

    const aimcc_status status = aimcc_target_load(ctx, arena, path, NULL, 0, &target);
    if (status != AIMCC_OK && aimcc_ctx_diag(ctx)->message[0] == '\0')
        abort();
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
    unlink(path);
    return 0;
}
