/* SPDX-License-Identifier: MIT */
/*
 * The schedule pass, the last before the backend: keeps the ops in their
 * topological order and lays out the activation arena by liveness. A value
 * lives from the op that writes it to the last op that reads it (graph
 * outputs to the end), and values that live at the same time get disjoint
 * 64-byte-aligned bytes. Batched values go in a per-sample arena that the
 * runtime scales with the batch, the others in a fixed one.
 */
#include "passes/pass.h"

#include <stdlib.h>
#include <string.h>

#define SCHEDULE_PASS "schedule"
#define BUFFER_ALIGN_BYTES 64

/* An activation value with its live interval [start, end] in op indexes
 * (inclusive, so an op's outputs never share bytes with its inputs). */
typedef struct live_value {
    aimcc_value *value;
    int start;
    int end;
    int64_t bytes; /* per sample when the value is batched */
    int64_t offset;
} live_value;

typedef struct schedule_state {
    aimcc_module *module;
    aimcc_ctx *ctx;
    int n_ops;
    int n_live;
    live_value *live;
    int *slot_of_value; /* by value id: index into live, or -1 */
} schedule_state;

static int64_t align_up(int64_t bytes)
{
    return (bytes + BUFFER_ALIGN_BYTES - 1) / BUFFER_ALIGN_BYTES * BUFFER_ALIGN_BYTES;
}

/* Computes the bytes of a value's buffer: per sample (dims[0] left out) when batched. */
static aimcc_status buffer_bytes(aimcc_ctx *ctx, const aimcc_value *value, int64_t *out)
{
    const int64_t bytes = aimcc_ir_value_buffer_bytes(value);
    if (bytes >= 0 && bytes <= INT64_MAX / 4) {
        *out = bytes;
        return AIMCC_OK;
    }
    int d = value->batched ? 1 : 0;
    while (d < value->rank - 1 && value->dims[d] >= 0)
        d++;
    return aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, value->name, NULL,
                      "activation %%%d has dimension %d of %lld, and its buffer size is "
                      "negative or overflows; check the model's shapes",
                      value->id, d, (long long)(d < value->rank ? value->dims[d] : 0));
}

/* Lists the activations that the ops write, each with the index of its writer. */
static aimcc_status collect_values(schedule_state *s)
{
    aimcc_module *module = s->module;
    int n_outputs = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next) {
        s->n_ops++;
        n_outputs += op->n_outputs;
    }
    s->live = calloc((size_t)n_outputs + 1, sizeof(*s->live));
    s->slot_of_value = malloc(((size_t)module->n_values + 1) * sizeof(*s->slot_of_value));
    if (s->live == NULL || s->slot_of_value == NULL)
        return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory scheduling %d values", module->n_values);
    for (int v = 0; v < module->n_values; v++) {
        s->slot_of_value[v] = -1;
        module->values[v]->buffer_offset = -1;
    }

    int index = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next, index++) {
        for (int o = 0; o < op->n_outputs; o++) {
            aimcc_value *value = op->outputs[o];
            if (value == NULL || value->kind != AIMCC_VALUE_ACTIVATION ||
                s->slot_of_value[value->id] >= 0)
                continue;
            live_value *live = &s->live[s->n_live];
            *live = (live_value){.value = value, .start = index, .end = index};
            const aimcc_status status = buffer_bytes(s->ctx, value, &live->bytes);
            if (status != AIMCC_OK)
                return status;
            s->slot_of_value[value->id] = s->n_live++;
        }
    }
    return AIMCC_OK;
}

/* Extends each value's interval to its last reader, and graph outputs past the last op. */
static void extend_lifetimes(schedule_state *s)
{
    int index = 0;
    for (const aimcc_op *op = s->module->first; op != NULL; op = op->next, index++) {
        for (int i = 0; i < op->n_inputs; i++) {
            const aimcc_value *value = op->inputs[i];
            const int slot = value != NULL ? s->slot_of_value[value->id] : -1;
            if (slot >= 0 && s->live[slot].end < index)
                s->live[slot].end = index;
        }
    }
    for (int i = 0; i < s->module->n_outputs; i++) {
        const int slot = s->slot_of_value[s->module->outputs[i]->id];
        if (slot >= 0)
            s->live[slot].end = s->n_ops;
    }
    for (int slot = 0; slot < s->n_live; slot++)
        if (s->live[slot].value->is_output)
            s->live[slot].end = s->n_ops;
}

/* Orders values by size descending, then by start and id, so large buffers
 * are placed first and the layout is the same on every run. */
static int compare_by_size(const void *pa, const void *pb)
{
    const live_value *a = *(const live_value *const *)pa;
    const live_value *b = *(const live_value *const *)pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->value->id > b->value->id) - (a->value->id < b->value->id);
}

static bool lifetimes_overlap(const live_value *a, const live_value *b)
{
    return a->start <= b->end && b->start <= a->end;
}

/* Returns the lowest aligned offset where value fits between the placed
 * values (sorted by offset) that live at the same time. */
static int64_t first_fit(const live_value *value, live_value *const *placed, int n_placed)
{
    int64_t offset = 0;
    for (int i = 0; i < n_placed; i++) {
        const live_value *other = placed[i];
        if (other->bytes == 0 || !lifetimes_overlap(value, other))
            continue;
        if (offset + value->bytes <= other->offset)
            break;
        const int64_t after = align_up(other->offset + other->bytes);
        if (after > offset)
            offset = after;
    }
    return offset;
}

/*
 * Places the values of one arena (order holds them, largest first) and
 * returns the arena's size in bytes, a multiple of the alignment. placed is
 * scratch for n pointers.
 */
static int64_t place_arena(live_value **order, int n, live_value **placed)
{
    int n_placed = 0;
    int64_t arena = 0;
    for (int i = 0; i < n; i++) {
        live_value *value = order[i];
        value->offset = value->bytes == 0 ? 0 : first_fit(value, placed, n_placed);
        if (align_up(value->offset + value->bytes) > arena)
            arena = align_up(value->offset + value->bytes);

        /* Insert into placed, kept sorted by offset. */
        int at = n_placed;
        while (at > 0 && placed[at - 1]->offset > value->offset) {
            placed[at] = placed[at - 1];
            at--;
        }
        placed[at] = value;
        n_placed++;
    }
    return arena;
}

/* Lays out the batched or the unbatched values; returns the arena size and
 * the sum of their aligned sizes in *unshared. */
static aimcc_status layout_arena(schedule_state *s, bool batched, int64_t *arena,
                                 int64_t *unshared, int *n_values)
{
    live_value **order = calloc((size_t)s->n_live + 1, sizeof(*order));
    live_value **placed = calloc((size_t)s->n_live + 1, sizeof(*placed));
    if (order == NULL || placed == NULL) {
        free(order);
        free(placed);
        return aimcc_fail(s->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory laying out %d activation buffers", s->n_live);
    }
    int n = 0;
    *unshared = 0;
    for (int slot = 0; slot < s->n_live; slot++) {
        if (s->live[slot].value->batched != batched)
            continue;
        order[n++] = &s->live[slot];
        *unshared += align_up(s->live[slot].bytes);
    }
    qsort(order, (size_t)n, sizeof(*order), compare_by_size);
    *arena = place_arena(order, n, placed);
    for (int i = 0; i < n; i++)
        order[i]->value->buffer_offset = order[i]->offset;
    *n_values = n;
    free(order);
    free(placed);
    return AIMCC_OK;
}

static aimcc_status schedule_run(aimcc_module *module, aimcc_ctx *ctx)
{
    schedule_state s = {.module = module, .ctx = ctx};
    /* The op order stays as the earlier passes left it: topological, which
     * the verifier checks. */
    aimcc_status status = collect_values(&s);
    if (status == AIMCC_OK)
        extend_lifetimes(&s);

    int64_t per_sample = 0, per_sample_unshared = 0, fixed = 0, fixed_unshared = 0;
    int n_batched = 0, n_fixed = 0;
    if (status == AIMCC_OK)
        status = layout_arena(&s, true, &per_sample, &per_sample_unshared, &n_batched);
    if (status == AIMCC_OK)
        status = layout_arena(&s, false, &fixed, &fixed_unshared, &n_fixed);
    if (status == AIMCC_OK) {
        module->arena_bytes_per_sample = per_sample;
        module->arena_bytes_fixed = fixed;
        AIMCC_LOG(AIMCC_LOG_INFO, SCHEDULE_PASS, NULL,
                  "activation arena: %lld bytes per sample for %d batched values (%lld with "
                  "a buffer each) and %lld fixed bytes for %d other values (%lld with a "
                  "buffer each)",
                  (long long)per_sample, n_batched, (long long)per_sample_unshared,
                  (long long)fixed, n_fixed, (long long)fixed_unshared);
    }
    free(s.live);
    free(s.slot_of_value);
    return status;
}

const aimcc_pass aimcc_pass_schedule = {
    .name = "schedule",
    .summary = "keep the op order and assign activation buffers by liveness",
    .run = schedule_run,
    .requires = AIMCC_PROP_MAPPED,
    .provides = AIMCC_PROP_SCHEDULED,
};
