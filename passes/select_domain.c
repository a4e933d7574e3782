/* SPDX-License-Identifier: MIT */
/*
 * The select-domain pass: chooses the tile kind (and with it the compute
 * domain) of every LINEAR op. With one kind every layer takes it. With
 * several, every kind that fits the tiles earlier layers left is costed on a
 * trial mapping (passes/cost_model.h). The layer takes the cheapest by
 * select.objective whose weighted error stays within select.max_error, or the
 * one with the lowest error when none does. select.force[NODE] limits the
 * candidates to a kind or domain. op->kind and op->kind_reason record the
 * choice, the runner-up and why, for the dump and the report.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/target.h"
#include "passes/cost_model.h"
#include "passes/kind_layout.h"
#include "passes/pass.h"
#include "passes/select_measure.h"
#include "passes/select_packing.h"

#define SELECT_PASS "select-domain"

/* Relative output error of the whole network that select.max_error allows
 * when --set does not give it (docs/cost-model.md, accuracy budget). */
#define DEFAULT_MAX_ERROR 0.1

/* The settings of one run of the pass. */
typedef struct selector {
    aimcc_ctx *ctx;
    aimcc_module *module;
    int64_t *free_tiles;  /* by kind: tiles earlier layers left */
    aimcc_tile_packing *packing; /* by kind: the tiles earlier layers filled */
    const char *objective; /* "energy", "latency" or "edp" */
    double max_error;
    double n_layers;      /* linear ops: they share the budget in quadrature */
    bool costed;          /* some kind has a cost parameter */
    double *measured;     /* [layer * n_kinds + kind]: measured error, NaN where not */
    double *sensitivity;  /* [layer]: measured sensitivity, NaN where not; NULL without data */
    int layer;            /* ordinal of the LINEAR op being chosen */
} selector;

/* One candidate kind of one layer. */
typedef struct candidate {
    int kind;
    aimcc_cost_layer cost;
    int64_t opens;         /* tiles the layer opens on the kind, packed with earlier ones */
    double error;          /* measured, or the estimate where not measured */
    bool is_measured;
    double weighted_error; /* error x sensitivity */
    double score;          /* the objective */
    bool within;           /* weighted_error <= max_error */
} candidate;

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

static bool kind_matches(const aimcc_tile_kind *kind, const char *force)
{
    return force == NULL || strcmp(kind->name, force) == 0 ||
           strcmp(aimcc_domain_name(kind->domain), force) == 0;
}

/* Checks that select.force[NODE] of op names a kind or domain of the target. */
static aimcc_status check_force(const selector *sel, const aimcc_op *op, const char *force)
{
    const aimcc_target *target = sel->module->target;
    char names[512] = "";
    for (int i = 0; i < target->n_kinds; i++) {
        if (kind_matches(&target->kinds[i], force))
            return AIMCC_OK;
        const size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s (%s)", i ? ", " : "",
                 target->kinds[i].name, aimcc_domain_name(target->kinds[i].domain));
    }
    return aimcc_fail(sel->ctx, AIMCC_ERR_INVALID_ARG, op->node, op->onnx_type,
                      "select.force[%s]=%s names no tile kind or domain of target \"%s\"; use "
                      "one of: %s",
                      op->node ? op->node : "", force, target->name ? target->name : "", names);
}

static double objective_of(const selector *sel, const aimcc_cost_layer *cost)
{
    if (strcmp(sel->objective, "latency") == 0)
        return cost->latency_s;
    if (strcmp(sel->objective, "edp") == 0)
        return cost->energy_j * cost->latency_s;
    return cost->energy_j;
}

/* Orders candidates: within budget first, by objective (then error); the
 * others by error. Ties keep target order. */
static int compare_candidates(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->within != y->within)
        return x->within ? -1 : 1;
    const double kx = x->within ? x->score : x->weighted_error;
    const double ky = y->within ? y->score : y->weighted_error;
    if (kx != ky)
        return kx < ky ? -1 : 1;
    if (x->weighted_error != y->weighted_error)
        return x->weighted_error < y->weighted_error ? -1 : 1;
    return x->kind - y->kind;
}

/* Appends `"NAME" (DOMAIN): energy E pJ, latency L ns, error W of budget B`. */
static void describe(char *buf, size_t size, const selector *sel, const candidate *c)
{
    const aimcc_tile_kind *kind = &sel->module->target->kinds[c->kind];
    const size_t used = strlen(buf);
    if (used >= size)
        return;
    snprintf(buf + used, size - used,
             "\"%s\" (%s): energy %.4g pJ, latency %.4g ns, %s error %.3g, weighted %.3g %s "
             "budget %.3g",
             kind->name, aimcc_domain_name(kind->domain), c->cost.energy_j * 1e12,
             c->cost.latency_s * 1e9, c->is_measured ? "measured" : "estimated", c->error,
             c->weighted_error, c->within ? "within" : "over", sel->max_error);
}

/* Returns the factor that weighs the current layer's error. It is sqrt(L),
 * because the layers' errors reach the output in quadrature, times the
 * measured sensitivity when there is one (then it sets *measured). Else it
 * takes the column spread: columns of small norm carry the ADC range of the
 * largest. */
static double layer_sensitivity(const selector *sel, const aimcc_cost_stats *stats,
                                bool *measured)
{
    const double value = sel->sensitivity != NULL ? sel->sensitivity[sel->layer] : NAN;
    if (measured != NULL)
        *measured = isfinite(value);
    return sqrt(sel->n_layers) * (isfinite(value) ? value : stats->column_spread);
}

/* Costs every kind that matches force and fits the free tiles, for op's
 * weight statistics and sensitivity. Returns the count, and lists in *tried
 * the kinds that do not fit. */
static int collect(const selector *sel, const aimcc_op *op, const char *force,
                   const aimcc_cost_stats *stats, double sensitivity, candidate *out,
                   char *tried, size_t tried_size)
{
    const aimcc_target *target = sel->module->target;
    const aimcc_value *w = op->inputs[1];
    int n = 0;
    for (int i = 0; i < target->n_kinds; i++) {
        const aimcc_tile_kind *kind = &target->kinds[i];
        if (!kind_matches(kind, force))
            continue;
        const int32_t phases = aimcc_kind_phases(kind, aimcc_kind_input_sign(kind));
        candidate c = {.kind = i};
        bool fits = aimcc_cost_layer_trial(kind, w->dims[0], w->dims[1], phases,
                                           aimcc_cost_mvms(op), stats, &c.cost);
        c.opens = fits ? aimcc_packing_add(&sel->packing[i], kind, w->dims[0], w->dims[1], false)
                       : -1;
        fits = fits && c.opens >= 0;
        if (!fits || c.opens > sel->free_tiles[i]) {
            const size_t used = strlen(tried);
            snprintf(tried + used, tried_size - used, "%s\"%s\" %s%" PRId64 " tiles, %" PRId64
                     " free", used ? ", " : "", kind->name, fits ? "needs " : "does not fit: ",
                     fits ? c.opens : (int64_t)0, sel->free_tiles[i]);
            continue;
        }
        const double measured =
            sel->measured != NULL ? sel->measured[sel->layer * target->n_kinds + i] : NAN;
        c.is_measured = isfinite(measured);
        c.error = c.is_measured ? measured : c.cost.error;
        c.weighted_error = c.error * sensitivity;
        c.within = c.weighted_error <= sel->max_error;
        c.score = objective_of(sel, &c.cost);
        out[n++] = c;
    }
    return n;
}

/* Picks op's kind by cost among the kinds that fit. */
static aimcc_status choose_by_cost(const selector *sel, aimcc_op *op, const char *force)
{
    const aimcc_target *target = sel->module->target;
    candidate *all = calloc((size_t)target->n_kinds, sizeof *all);
    if (!all)
        return aimcc_fail(sel->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type, "out of memory");
    aimcc_cost_stats stats;
    aimcc_cost_stats_of(op->inputs[1], &stats);
    bool measured = false;
    const double sensitivity = layer_sensitivity(sel, &stats, &measured);
    char tried[768] = "";
    const int n = collect(sel, op, force, &stats, sensitivity, all, tried, sizeof tried);
    if (n == 0) {
        free(all);
        const aimcc_value *w = op->inputs[1];
        return aimcc_fail(sel->ctx, AIMCC_ERR_CAPACITY, op->node, op->onnx_type,
                          "its %" PRId64 "x%" PRId64 " weight matrix fits no tile kind of target "
                          "\"%s\"%s after the earlier layers: %s. Use a target with more tiles.",
                          w->dims[0], w->dims[1], target->name ? target->name : "",
                          force ? " that select.force allows" : "", tried);
    }
    qsort(all, (size_t)n, sizeof *all, compare_candidates);

    char text[1024];
    snprintf(text, sizeof text, "%ssensitivity %.3g (%s); ", force ? "forced by select.force; " : "",
             sensitivity, measured ? "measured" : "estimated");
    const size_t used = strlen(text);
    if (all[0].within)
        snprintf(text + used, sizeof text - used, "lowest %s: ", sel->objective);
    else
        snprintf(text + used, sizeof text - used, "no kind within budget, lowest error: ");
    describe(text, sizeof text, sel, &all[0]);
    if (n > 1) {
        strncat(text, "; runner-up ", sizeof text - strlen(text) - 1);
        describe(text, sizeof text, sel, &all[1]);
    }
    if (tried[0]) {
        strncat(text, "; no room on ", sizeof text - strlen(text) - 1);
        strncat(text, tried, sizeof text - strlen(text) - 1);
    }
    op->kind = all[0].kind;
    const aimcc_tile_kind *chosen = &target->kinds[op->kind];
    const int64_t opened = aimcc_packing_add(&sel->packing[op->kind], chosen,
                                             op->inputs[1]->dims[0], op->inputs[1]->dims[1], true);
    sel->free_tiles[op->kind] -= opened > 0 ? opened : 0;
    free(all);
    if (opened < 0)
        return aimcc_fail(sel->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type, "out of memory");
    op->kind_reason = aimcc_arena_printf(sel->module->arena, "%s", text);
    return op->kind_reason ? AIMCC_OK
                           : aimcc_fail(sel->ctx, AIMCC_ERR_NOMEM, op->node, op->onnx_type,
                                        "out of memory");
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Returns the tiles a K x N matrix needs on kind with one tile per block, or
 * -1 when one logical column does not fit the kind's columns. */
static int64_t tiles_needed(const aimcc_tile_kind *kind, int64_t k, int64_t n)
{
    const int64_t per_weight = aimcc_kind_columns_per_weight(kind);
    const int64_t usable = kind->cols - aimcc_kind_reference_columns(kind);
    const int64_t cols_per_tile = usable > 0 ? usable / per_weight : 0;
    if (cols_per_tile < 1)
        return -1;
    return ceil_div(k, kind->rows) * ceil_div(n, cols_per_tile);
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

/* Without cost parameters no kind is cheaper than another: picks the first
 * kind, in target order, that fits op. */
static aimcc_status choose_first_fit(const selector *sel, aimcc_op *op, const char *force)
{
    const aimcc_target *target = sel->module->target;
    const int64_t k = op->inputs[1]->dims[0], n = op->inputs[1]->dims[1];
    char tried[768] = "";
    for (int i = 0; i < target->n_kinds; i++) {
        const aimcc_tile_kind *kind = &target->kinds[i];
        if (!kind_matches(kind, force))
            continue;
        const int64_t needed = tiles_needed(kind, k, n);
        if (needed >= 0 && needed <= sel->free_tiles[i]) {
            char chosen[256] = "";
            describe_fit(chosen, sizeof chosen, kind, needed, sel->free_tiles[i]);
            sel->free_tiles[i] -= needed;
            op->kind = i;
            op->kind_reason = aimcc_arena_printf(
                sel->module->arena, "%sfirst kind that fits: %s%s%s",
                force ? "forced by select.force; " : "", chosen, tried[0] ? "; skipped " : "",
                tried);
            return op->kind_reason != NULL ? AIMCC_OK
                                           : aimcc_fail(sel->ctx, AIMCC_ERR_NOMEM, op->node,
                                                        op->onnx_type, "out of memory");
        }
        if (tried[0] && strlen(tried) + 2 < sizeof tried)
            strcat(tried, ", ");
        describe_fit(tried, sizeof tried, kind, needed, sel->free_tiles[i]);
    }
    return aimcc_fail(sel->ctx, AIMCC_ERR_CAPACITY, op->node, op->onnx_type,
                      "its %" PRId64 "x%" PRId64 " weight matrix fits no tile kind of target "
                      "\"%s\" after the earlier layers: %s. Use a target with more tiles.",
                      k, n, target->name ? target->name : "", tried);
}

/* Returns whether any kind sets a cost parameter (ids 100 and up). */
static bool any_cost_given(const aimcc_target *target)
{
    for (int i = 0; i < target->n_kinds; i++)
        for (int id = AIMRT_PARAM_COST_FIRST; id <= AIMRT_PARAM_COST_LAST; id++)
            if (target->kinds[i].params.given[id])
                return true;
    return false;
}

static aimcc_status select_op(const selector *sel, aimcc_op *op)
{
    aimcc_status status = check_linear(sel->ctx, op);
    const char *force = aimcc_target_option_text(sel->module->target, "select.force", op->node,
                                                 NULL);
    if (status == AIMCC_OK && force)
        status = check_force(sel, op, force);
    if (status != AIMCC_OK)
        return status;
    if (sel->module->target->n_kinds <= 1) {
        op->kind = 0;
        op->kind_reason = force ? "only kind, as select.force asks" : "only kind";
        return AIMCC_OK;
    }
    status = sel->costed ? choose_by_cost(sel, op, force) : choose_first_fit(sel, op, force);
    if (status == AIMCC_OK)
        AIMCC_LOG(AIMCC_LOG_DEBUG, SELECT_PASS, op->node, "kind %d: %s", op->kind,
                  op->kind_reason);
    return status;
}

/* With calibration data, measures every layer's error on every kind. */
static aimcc_status measure_errors(selector *sel, int n_layers)
{
    const int n_kinds = sel->module->target->n_kinds;
    const size_t count = (size_t)n_layers * (size_t)n_kinds;
    double *errors = malloc((count + 1) * sizeof *errors);
    double *sensitivity = malloc(((size_t)n_layers + 1) * sizeof *sensitivity);
    if (errors == NULL || sensitivity == NULL) {
        free(errors);
        free(sensitivity);
        return aimcc_fail(sel->ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    }
    for (size_t i = 0; i < count; i++)
        errors[i] = NAN;
    for (int i = 0; i < n_layers; i++)
        sensitivity[i] = NAN;
    bool measured = false;
    const aimcc_status status =
        aimcc_select_measure(sel->ctx, sel->module, n_layers, errors, sensitivity, &measured);
    if (status == AIMCC_OK && measured) {
        sel->measured = errors;
        sel->sensitivity = sensitivity;
    } else {
        free(errors);
        free(sensitivity);
    }
    return status;
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
    const aimcc_status force_status =
        aimcc_check_option_nodes(ctx, module, "select.force", "place");
    if (force_status != AIMCC_OK)
        return force_status;
    selector sel = {.ctx = ctx, .module = module};
    sel.free_tiles = calloc((size_t)n_kinds + 1, sizeof *sel.free_tiles);
    sel.packing = calloc((size_t)n_kinds + 1, sizeof *sel.packing);
    if (sel.free_tiles == NULL || sel.packing == NULL) {
        free(sel.free_tiles);
        free(sel.packing);
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory selecting domains");
    }
    for (int i = 0; i < n_kinds; i++)
        sel.free_tiles[i] = target->kinds[i].n_tiles;
    sel.objective = aimcc_target_option_text(target, "select.objective", NULL, "energy");
    sel.max_error = aimcc_target_option_number(target, "select.max_error", NULL,
                                               DEFAULT_MAX_ERROR);
    sel.costed = n_kinds > 1 && any_cost_given(target);
    int n_layers = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next)
        n_layers += op->code == AIMRT_OP_LINEAR;
    sel.n_layers = n_layers;

    aimcc_status status = AIMCC_OK;
    if (sel.costed && aimcc_target_option_int(target, "select.measure", NULL, 1) != 0)
        status = measure_errors(&sel, n_layers);
    for (aimcc_op *op = module->first; op != NULL && status == AIMCC_OK; op = op->next) {
        if (op->code == AIMRT_OP_LINEAR) {
            status = n_kinds > 0 ? select_op(&sel, op) : check_linear(ctx, op);
            sel.layer++;
        }
        if (status == AIMCC_OK && op->code == AIMRT_OP_LINEAR && n_kinds == 0) {
            op->kind = 0;
            op->kind_reason = "only kind";
        }
    }
    for (int i = 0; i < n_kinds && sel.packing != NULL; i++)
        aimcc_packing_free(&sel.packing[i]);
    free(sel.packing);
    free(sel.free_tiles);
    free(sel.measured);
    free(sel.sensitivity);
    return status;
}

const aimcc_pass aimcc_pass_select_domain = {
    .name = "select-domain",
    .summary = "choose the tile kind of every linear layer by cost under an accuracy budget",
    .run = select_domain_run,
    .requires = AIMCC_PROP_CANONICAL,
    .provides = AIMCC_PROP_DOMAIN_SELECTED,
};
