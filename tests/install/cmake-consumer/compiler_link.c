/* SPDX-License-Identifier: MIT */
/* Links against the installed libaimcc and prints the name of a status code. */
#include <stdio.h>

#include <aimcc/aimcc.h>

int main(void)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    if (!ctx)
        return 1;
    printf("%s\n", aimcc_status_name(AIMCC_ERR_UNSUPPORTED));
    aimcc_ctx_destroy(ctx);
    return 0;
}
