/* SPDX-License-Identifier: MIT */
/*
 * Tests of the schedule pass: activation buffers laid out by liveness. The
 * tests recompute every value's live interval on their own. They check that
 * no two buffers that live at the same time share a byte, that graph outputs
 * live to the end, and that the arena is no larger than one buffer per
 * value, on hand-built graphs and on real models.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimrt/aimrt.h"
#include "backend/emit.h"
#include "frontend/onnx_import.h"
#include "ir/ir.h"
#include "passes/pass.h"
#include "program_internal.h"

#define ALIGN_BYTES 64

typedef struct fixture {
    aimcc_arena *arena;
    aimcc_ctx *ctx;
    aimcc_module *module;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->arena = aimcc_arena_create();
    f->ctx = aimcc_ctx_create();
    f->module = aimcc_ir_module_create(f->arena, "test");
    *state = f;
    return f->arena != NULL && f->ctx != NULL && f->module != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aimcc_ctx_destroy(f->ctx);
    aimcc_arena_destroy(f->arena);
    free(f);
    return 0;
}

static aimcc_value *add_input(fixture *f, const char *name, int rank, const int64_t *dims,
                              bool batched)
{
    aimcc_value *x =
        aimcc_ir_value_add(f->module, name, AIMCC_VALUE_INPUT, AIMRT_DTYPE_FLOAT, rank, dims, NULL);
    assert_non_null(x);
    x->batched = batched;
    assert_int_equal(aimcc_ir_module_add_input(f->module, x), AIMCC_OK);
    return x;
}

/* Appends an op with one output and returns that output. */
static aimcc_value *add_op(fixture *f, aimrt_op code, const char *node, int n_inputs,
                           aimcc_value *const *inputs)
{
    aimcc_op *op = NULL;
    const aimcc_status status = aimcc_ir_op_create(f->ctx, f->module, NULL, code, node, node,
                                                   n_inputs, inputs, 0, NULL, 1, NULL, &op);
    if (status != AIMCC_OK)
        fail_msg("creating %s failed: %s", node, aimcc_ctx_diag(f->ctx)->message);
    return op->outputs[0];
}

static aimcc_value *add_unary(fixture *f, aimrt_op code, const char *node, aimcc_value *x)
{
    return add_op(f, code, node, 1, &x);
}

static void run_schedule(fixture *f)
{
    f->module->properties |= AIMCC_PROP_MAPPED;
    const aimcc_status status = aimcc_pass_schedule.run(f->module, f->ctx);
    if (status != AIMCC_OK)
        fail_msg("schedule failed: %s", aimcc_ctx_diag(f->ctx)->message);
}

static int64_t align_up(int64_t bytes)
{
    return (bytes + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
}

/* An activation with its live interval [start, end] in op indexes, as the
 * test computes it: from its writer to its last reader, or past the last op
 * for a graph output. */
typedef struct live_buffer {
    const aimcc_value *value;
    int start;
    int end;
    int64_t bytes; /* per sample when batched */
} live_buffer;

/* Sums of one arena part: the aligned buffer sizes and the values counted. */
typedef struct arena_sums {
    int64_t unshared_per_sample;
    int64_t unshared_fixed;
    int n_values;
} arena_sums;

static int64_t buffer_bytes(const aimcc_value *value)
{
    int64_t bytes = (int64_t)aimrt_dtype_size(value->dtype);
    for (int d = value->batched ? 1 : 0; d < value->rank; d++)
        bytes *= value->dims[d];
    return bytes;
}

/* Returns the live activations of module (caller frees) with their count in *n. */
static live_buffer *list_buffers(const aimcc_module *module, int *n)
{
    int n_ops = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next)
        n_ops++;
    live_buffer *buffers = calloc((size_t)module->n_values + 1, sizeof(*buffers));
    *n = 0;
    int index = 0;
    for (const aimcc_op *op = module->first; op != NULL; op = op->next, index++) {
        for (int o = 0; o < op->n_outputs; o++)
            if (op->outputs[o]->kind == AIMCC_VALUE_ACTIVATION)
                buffers[(*n)++] = (live_buffer){op->outputs[o], index, index,
                                                buffer_bytes(op->outputs[o])};
    }
    for (int b = 0; b < *n; b++) {
        index = 0;
        for (const aimcc_op *op = module->first; op != NULL; op = op->next, index++)
            for (int i = 0; i < op->n_inputs; i++)
                if (op->inputs[i] == buffers[b].value && index > buffers[b].end)
                    buffers[b].end = index;
        for (int o = 0; o < module->n_outputs; o++)
            if (module->outputs[o] == buffers[b].value)
                buffers[b].end = n_ops;
    }
    return buffers;
}

/* Checks the layout of every buffer of module and every pair of buffers
 * that live at the same time. Returns the sums of aligned sizes. */
static arena_sums check_layout(const aimcc_module *module)
{
    int n = 0;
    live_buffer *buffers = list_buffers(module, &n);
    arena_sums sums = {.n_values = n};
    for (int a = 0; a < n; a++) {
        const live_buffer *p = &buffers[a];
        const int64_t arena =
            p->value->batched ? module->arena_bytes_per_sample : module->arena_bytes_fixed;
        if (p->value->buffer_offset < 0 || p->value->buffer_offset % ALIGN_BYTES != 0 ||
            p->value->buffer_offset + p->bytes > arena)
            fail_msg("value %%%d: buffer [%lld, +%lld) is unaligned or outside the %lld-byte "
                     "arena",
                     p->value->id, (long long)p->value->buffer_offset, (long long)p->bytes,
                     (long long)arena);
        *(p->value->batched ? &sums.unshared_per_sample : &sums.unshared_fixed) +=
            align_up(p->bytes);
        for (int b = 0; b < a; b++) {
            const live_buffer *q = &buffers[b];
            if (p->value->batched != q->value->batched || p->bytes == 0 || q->bytes == 0 ||
                p->start > q->end || q->start > p->end)
                continue;
            const int64_t p0 = p->value->buffer_offset, q0 = q->value->buffer_offset;
            if (p0 < q0 + q->bytes && q0 < p0 + p->bytes)
                fail_msg("values %%%d [ops %d..%d] and %%%d [ops %d..%d] live at the same time "
                         "and share bytes: [%lld, +%lld) and [%lld, +%lld)",
                         p->value->id, p->start, p->end, q->value->id, q->start, q->end,
                         (long long)p0, (long long)p->bytes, (long long)q0, (long long)q->bytes);
        }
    }
    assert_true(module->arena_bytes_per_sample <= sums.unshared_per_sample);
    assert_true(module->arena_bytes_fixed <= sums.unshared_fixed);
    for (int v = 0; v < module->n_values; v++)
        if (module->values[v]->kind != AIMCC_VALUE_ACTIVATION)
            assert_int_equal(module->values[v]->buffer_offset, -1);
    free(buffers);
    return sums;
}

static void test_schedule_chain_reuses_buffers(void **state)
{
    fixture *f = *state;
    const int64_t dims[2] = {1, 100};
    aimcc_value *x = add_input(f, "x", 2, dims, true);
    aimcc_value *a = add_unary(f, AIMRT_OP_RELU, "a", x);
    aimcc_value *b = add_unary(f, AIMRT_OP_SIGMOID, "b", a);
    aimcc_value *c = add_unary(f, AIMRT_OP_TANH, "c", b);
    aimcc_value *d = add_unary(f, AIMRT_OP_RELU, "d", c);
    assert_int_equal(aimcc_ir_module_add_output(f->module, d), AIMCC_OK);
    run_schedule(f);
    const arena_sums sums = check_layout(f->module);

    /* 400 bytes per sample, 448 aligned. Each value overlaps only its
     * neighbours, so two slots suffice: a and c at 0, b and d at 448. */
    assert_int_equal(sums.unshared_per_sample, 4 * 448);
    assert_int_equal(f->module->arena_bytes_per_sample, 2 * 448);
    assert_int_equal(f->module->arena_bytes_fixed, 0);
    assert_int_equal(a->buffer_offset, c->buffer_offset);
    assert_int_equal(b->buffer_offset, d->buffer_offset);
    assert_int_equal(x->buffer_offset, -1);
}

static void test_schedule_outputs_live_to_end(void **state)
{
    fixture *f = *state;
    const int64_t dims[2] = {1, 64};
    aimcc_value *x = add_input(f, "x", 2, dims, true);
    aimcc_value *early = add_unary(f, AIMRT_OP_RELU, "early", x);
    assert_int_equal(aimcc_ir_module_add_output(f->module, early), AIMCC_OK);
    aimcc_value *chain[6];
    chain[0] = add_unary(f, AIMRT_OP_SIGMOID, "s0", early);
    for (int i = 1; i < 6; i++)
        chain[i] = add_unary(f, i % 2 ? AIMRT_OP_TANH : AIMRT_OP_RELU, "s", chain[i - 1]);
    assert_int_equal(aimcc_ir_module_add_output(f->module, chain[5]), AIMCC_OK);
    run_schedule(f);
    check_layout(f->module);

    /* Nothing written after the early output may reuse its 256 bytes. */
    for (int i = 0; i < 6; i++) {
        const int64_t lo = chain[i]->buffer_offset;
        assert_true(lo + 256 <= early->buffer_offset || early->buffer_offset + 256 <= lo);
    }
    /* The chain alternates between two slots, beside the output's own. */
    assert_int_equal(f->module->arena_bytes_per_sample, 3 * 256);
}

static void test_schedule_splits_fixed_and_batched(void **state)
{
    fixture *f = *state;
    const int64_t batched_dims[2] = {1, 10};
    const int64_t fixed_dims[2] = {3, 5};
    aimcc_value *x = add_input(f, "x", 2, batched_dims, true);
    aimcc_value *y = add_input(f, "y", 2, fixed_dims, false);
    aimcc_value *xa = add_unary(f, AIMRT_OP_RELU, "xa", x);
    aimcc_value *ya = add_unary(f, AIMRT_OP_RELU, "ya", y);
    aimcc_value *yb = add_unary(f, AIMRT_OP_EXP, "yb", ya);
    aimcc_value *inputs[2] = {ya, yb};
    aimcc_value *sum = add_op(f, AIMRT_OP_ADD, "sum", 2, inputs);
    assert_int_equal(aimcc_ir_module_add_output(f->module, xa), AIMCC_OK);
    assert_int_equal(aimcc_ir_module_add_output(f->module, sum), AIMCC_OK);
    run_schedule(f);
    check_layout(f->module);

    assert_true(xa->batched);
    assert_false(sum->batched);
    /* 10 floats per sample; 3 x 5 floats = 60 bytes, 64 aligned, and ya, yb
     * and sum all live at op 3 (sum reads both). */
    assert_int_equal(f->module->arena_bytes_per_sample, 64);
    assert_int_equal(f->module->arena_bytes_fixed, 3 * 64);
}

static void test_schedule_diamond_keeps_inputs(void **state)
{
    fixture *f = *state;
    const int64_t dims[2] = {1, 32};
    aimcc_value *x = add_input(f, "x", 2, dims, true);
    aimcc_value *a = add_unary(f, AIMRT_OP_RELU, "a", x);
    aimcc_value *b = add_unary(f, AIMRT_OP_SIGMOID, "b", a);
    aimcc_value *c = add_unary(f, AIMRT_OP_TANH, "c", a);
    aimcc_value *inputs[2] = {b, c};
    aimcc_value *d = add_op(f, AIMRT_OP_ADD, "d", 2, inputs);
    aimcc_value *e = add_unary(f, AIMRT_OP_EXP, "e", d);
    assert_int_equal(aimcc_ir_module_add_output(f->module, e), AIMCC_OK);
    run_schedule(f);
    check_layout(f->module);
    /* a lives until c is written, and b, c and d are live together at d. */
    assert_true(a->buffer_offset != b->buffer_offset);
    assert_true(a->buffer_offset != c->buffer_offset);
    assert_int_equal(f->module->arena_bytes_per_sample, 3 * 128);
}

/* A batched activation whose stored dims[0] is 3 (an export batch) still
 * takes 8 floats per sample: the schedule lays out 32 bytes, and the program
 * must record the same length, with dims[0] = 1, or the runtime rejects it. */
static void test_schedule_program_per_sample_bytes(void **state)
{
    fixture *f = *state;
    const int64_t dims[2] = {1, 8};
    aimcc_value *x = add_input(f, "x", 2, dims, true);
    aimcc_value *h = add_unary(f, AIMRT_OP_RELU, "h", x);
    aimcc_value *y = add_unary(f, AIMRT_OP_SIGMOID, "y", h);
    assert_int_equal(aimcc_ir_module_add_output(f->module, y), AIMCC_OK);
    h->dims[0] = 3;
    run_schedule(f);
    assert_int_equal(f->module->arena_bytes_per_sample, 2 * ALIGN_BYTES);

    void *bytes = NULL;
    size_t size = 0;
    if (aimcc_emit_program_bytes(f->ctx, f->module, &bytes, &size) != AIMCC_OK)
        fail_msg("emit failed: %s", aimcc_ctx_diag(f->ctx)->message);
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load(bytes, size, &program, &error) != AIMRT_OK)
        fail_msg("the runtime rejects the program: %s", error.message);
    const program_tensor *t = &program->tensors[program->ops[0].outputs[0]];
    assert_true(t->batched);
    assert_true(t->in_arena);
    assert_int_equal(t->dims[0], 1);
    assert_int_equal(t->data_length, 8 * sizeof(float));
    assert_int_equal(t->data_offset, (uint64_t)h->buffer_offset);
    aimrt_program_free(program);
    free(bytes);
}

static void test_schedule_requires_mapped(void **state)
{
    (void)state;
    assert_int_equal(aimcc_pass_schedule.requires, AIMCC_PROP_MAPPED);
    assert_int_equal(aimcc_pass_schedule.provides, AIMCC_PROP_SCHEDULED);
    assert_string_equal(aimcc_pass_schedule.name, "schedule");
}

/* Imports a shared model, runs the pipeline, and checks the arena layout;
 * the per-sample arena must be smaller than one buffer per value. */
static void check_model_arena(const char *relative)
{
    char path[1024];
    test_shared_path(path, sizeof(path), relative);
    if (!test_path_exists(path)) {
        print_message("skipping %s: not found\n", path);
        skip();
    }
    fixture *f = NULL;
    assert_int_equal(setup((void **)&f), 0);
    aimcc_module *module = NULL;
    aimcc_status status = aimcc_onnx_import(f->ctx, f->arena, path, NULL, &module);
    if (status == AIMCC_OK)
        status = aimcc_pipeline_run(f->ctx, module, NULL);
    if (status != AIMCC_OK)
        fail_msg("%s: %s", relative, aimcc_ctx_diag(f->ctx)->message);
    assert_true((module->properties & AIMCC_PROP_SCHEDULED) != 0);

    const arena_sums sums = check_layout(module);
    assert_true(sums.n_values > 4);
    if (module->arena_bytes_per_sample >= sums.unshared_per_sample)
        fail_msg("%s: arena of %lld bytes per sample saves nothing on %lld unshared", relative,
                 (long long)module->arena_bytes_per_sample, (long long)sums.unshared_per_sample);
    print_message("%s: %lld of %lld bytes per sample, %lld of %lld fixed\n", relative,
                  (long long)module->arena_bytes_per_sample, (long long)sums.unshared_per_sample,
                  (long long)module->arena_bytes_fixed, (long long)sums.unshared_fixed);
    teardown((void **)&f);
}

static void test_schedule_mnist_cnn_arena(void **state)
{
    (void)state;
    check_model_arena("models/mnist-cnn/model.onnx");
}

static void test_schedule_resnet20_arena(void **state)
{
    (void)state;
    check_model_arena("models/cifar10-resnet-crosssim/resnet20_cifar10.onnx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schedule_chain_reuses_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_outputs_live_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_splits_fixed_and_batched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_diamond_keeps_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_program_per_sample_bytes, setup, teardown),
        cmocka_unit_test(test_schedule_requires_mapped),
        cmocka_unit_test(test_schedule_mnist_cnn_arena),
        cmocka_unit_test(test_schedule_resnet20_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
