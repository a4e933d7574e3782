/* SPDX-License-Identifier: MIT */
/*
 * The select-domain pass: chooses the tile kind (and with it the compute
 * domain) of every LINEAR op. With one kind every layer takes it. With
 * several, a layer takes the first kind, in target order, whose tiles can
 * hold its weight matrix within the tiles that earlier layers left free.
 * op->kind and op->kind_reason record the choice for the dump and report.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"

#define SELECT_PASS "select-domain"

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/*
 * Returns the tiles a K x N weight matrix needs on kind when every block
 * takes a tile of its own (map may pack tighter), or -1 when one logical
 * column with its reference columns does not fit the kind's columns.
 */
static int64_t tiles_needed(const aimcc_tile_kind *kind, int64_t k, int64_t n)
{
    const int64_t per_weight = aimcc_kind_columns_per_weight(kind);
    const int64_t usable = kind->cols - aimcc_kind_reference_columns(kind);
    const int64_t cols_per_tile = usable > 0 ? usable / per_weight : 0;
    if (cols_per_tile < 1)
        return -1;
    return ceil_div(k, kind->rows) * ceil_div(n, cols_per_tile);
}

static aimcc_status check_linear(aimcc_ctx *ctx, const aimcc_op *op)
{
    const aimcc_value *w = op->n_inputs >= 2 ? op->inputs[1] : NULL;
    if (w != NULL && w->rank == 2 && w->dims[0] > 0 && w->dims[1] > 0)
        return AIMCC_OK;
    return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, op->node, op->onnx_type,
                      "linear op %d has no 2-D weight with rows and columns; canonicalize "
                      "creates every linear op with one",
                      op->id);
}

/* Appends "NAME needs T tiles, F free" (or "does not fit") to buf. */
static void describe_fit(char *buf, size_t size, const aimcc_tile_kind *kind, int64_t needed,
                         int64_t free_tiles)
{
    const size_t used = strlen(buf);
    if (used >= size)
        return;
    if (needed < 0)
        snprintf(buf + used, size - used, "\"%s\" has too few columns for one weight column",
                 kind->name);
    else
        snprintf(buf + used, size - used, "\"%s\" needs %" PRId64 " tiles, %" PRId64 " free",
                 kind->name, needed, free_tiles);
}

/* Picks the first kind that fits op; free_tiles[i] counts the tiles of kind
 * i that earlier layers left. */
static aimcc_status choose_kind(aimcc_ctx *ctx, aimcc_module *module, aimcc_op *op,
                                int64_t *free_tiles)
{
    const aimcc_target *target = module->target;
    const int64_t k = op->inputs[1]->dims[0], n = op->inputs[1]->dims[1];
    char tried[768] = "";
    for (int i = 0; i < target->n_kinds; i++) {
        const aimcc_tile_kind *kind = &target->kinds[i];
        const int64_t needed = tiles_needed(kind, k, n);
        if (needed >= 0 && needed <= free_tiles[i]) {
            char chosen[256] = "";
            describe_fit(chosen, sizeof chosen, kind, needed, free_tiles[i]);
            free_tiles[i] -= needed;
            op->kind = i;
            op->kind_reason = aimcc_arena_printf(module->arena, "first kind that fits: %s%s%s",
                                                 chosen, tried[0] ? "; skipped " : "", tried);
            return op->kind_reason != NULL ? AIMCC_OK
                                           : aimcc_fail(ctx, AIMCC_ERR_NOMEM, op->node,
                                                        op->onnx_type, "out of memory");
        }
        if (tried[0] && strlen(tried) + 2 < sizeof tried)
            strcat(tried, ", ");
        describe_fit(tried, sizeof tried, kind, needed, free_tiles[i]);
    }
    return aimcc_fail(ctx, AIMCC_ERR_CAPACITY, op->node, op->onnx_type,
                      "its %" PRId64 "x%" PRId64 " weight matrix fits no tile kind of target "
                      "\"%s\" after the earlier layers: %s. Use a target with more tiles.",
                      k, n, target->name ? target->name : "", tried);
}

static aimcc_status select_domain_run(aimcc_module *module, aimcc_ctx *ctx)
{
    const aimcc_target *target = module->target;
    const int n_kinds = target != NULL ? target->n_kinds : 0;
    for (int i = 0; i < n_kinds; i++) {
        const aimcc_status status = aimcc_kind_check(ctx, &target->kinds[i]);
        if (status != AIMCC_OK)
            return status;
    }
    int64_t *free_tiles = calloc((size_t)n_kinds + 1, sizeof *free_tiles);
    if (free_tiles == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory selecting domains");
    for (int i = 0; i < n_kinds; i++)
        free_tiles[i] = target->kinds[i].n_tiles;

    aimcc_status status = AIMCC_OK;
    for (aimcc_op *op = module->first; op != NULL && status == AIMCC_OK; op = op->next) {
        if (op->code != AIMRT_OP_LINEAR)
            continue;
        status = check_linear(ctx, op);
        if (status != AIMCC_OK)
            break;
        if (n_kinds <= 1) {
            op->kind = 0;
            op->kind_reason = "only kind";
            continue;
        }
        status = choose_kind(ctx, module, op, free_tiles);
        if (status == AIMCC_OK)
            AIMCC_LOG(AIMCC_LOG_DEBUG, SELECT_PASS, op->node, "kind %d: %s", op->kind,
                      op->kind_reason);
    }
    free(free_tiles);
    return status;
}

const aimcc_pass aimcc_pass_select_domain = {
    .name = "select-domain",
    .summary = "choose the tile kind of every linear layer",
    .run = select_domain_run,
    .requires = AIMCC_PROP_CANONICAL,
    .provides = AIMCC_PROP_DOMAIN_SELECTED,
};
