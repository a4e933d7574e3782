/* SPDX-License-Identifier: MIT */
/*
 * Mutation test of the compiler's input handling: seeded random mutations of
 * the shipped models (bytes flipped, cut, inserted, ranges duplicated), each
 * compiled in-process from a temporary file. Every case must either compile to
 * a program that loads, or fail with a non-empty one-line message. A crash, a
 * sanitizer report or a case that runs over 20 s fails the test.
 *
 * AIMCC_MUTATION_CASE=N runs case N alone, to reproduce a failure.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimcc/aimcc.h"
#include "aimrt/aimrt.h"
#include "test_support.h"

#define N_CASES 400
#define CASE_SECONDS 20
#define MAX_MODELS 64
/* Every case draws from its own stream, seeded with SEED + its index. */
#define SEED UINT64_C(0x5eed2024)

/* A seed model, read once. */
typedef struct model_bytes {
    char path[512];
    unsigned char *data;
    size_t size;
} model_bytes;

/* Counts per outcome, printed as the summary. */
typedef struct outcome_counts {
    int n_compiled;
    int n_rejected[9]; /* indexed by -status, AIMCC_ERR_INVALID_ARG .. AIMCC_ERR_INTERNAL */
} outcome_counts;

static struct {
    char scratch[64];
    model_bytes models[MAX_MODELS];
    int n_models;
} fixture;

/* The line the alarm handler prints, formatted before each case because
 * snprintf is not async-signal-safe. */
static char timeout_line[160];
static size_t timeout_length;

/* splitmix64: a small generator whose streams differ well even for consecutive seeds. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Returns a draw in [0, bound), or 0 when bound is 0. */
static size_t random_below(uint64_t *state, size_t bound)
{
    return bound ? (size_t)(next_random(state) % bound) : 0;
}

/* ---- Seed models ---- */

static int read_model(const char *path)
{
    if (fixture.n_models == MAX_MODELS)
        return -1;
    model_bytes *model = &fixture.models[fixture.n_models];
    FILE *file = fopen(path, "rb");
    if (!file)
        return -1;
    fseek(file, 0, SEEK_END);
    const long size = ftell(file);
    rewind(file);
    model->data = size > 0 ? malloc((size_t)size) : NULL;
    const int ok = model->data && fread(model->data, 1, (size_t)size, file) == (size_t)size;
    fclose(file);
    if (!ok) {
        free(model->data);
        return -1;
    }
    model->size = (size_t)size;
    snprintf(model->path, sizeof model->path, "%s", path);
    fixture.n_models++;
    return 0;
}

/* Reads the MNIST CNN and every .onnx file of tests/data/onnx, in name order. */
static int read_models(void)
{
    char path[512];
    test_source_path(path, sizeof path, "models/mnist-cnn/model.onnx");
    if (read_model(path) != 0)
        return -1;

    char dir[256];
    test_source_path(dir, sizeof dir, "tests/data/onnx");
    struct dirent **entries = NULL;
    const int n = scandir(dir, &entries, NULL, alphasort);
    if (n < 0)
        return -1;
    int status = 0;
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        const size_t length = strlen(name);
        if (status == 0 && length > 5 && strcmp(name + length - 5, ".onnx") == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, name);
            status = read_model(path);
        }
        free(entries[i]);
    }
    free(entries);
    return status;
}

/* ---- Mutations ---- */

/* A growable byte buffer holding one mutated model. */
typedef struct buffer {
    unsigned char *data;
    size_t size;
    size_t capacity;
} buffer;

static void buffer_reserve(buffer *buf, size_t extra)
{
    if (buf->size + extra <= buf->capacity)
        return;
    buf->capacity = (buf->size + extra) * 2;
    buf->data = realloc(buf->data, buf->capacity);
    assert_non_null(buf->data);
}

/* Inserts n bytes (copied from bytes, which may point into buf) at position at. */
static void buffer_insert(buffer *buf, size_t at, const unsigned char *bytes, size_t n)
{
    unsigned char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, bytes, n);
    buffer_reserve(buf, n);
    memmove(buf->data + at + n, buf->data + at, buf->size - at);
    memcpy(buf->data + at, copy, n);
    buf->size += n;
    free(copy);
}

/* Values that often sit on a decoder's boundaries: varint continuation bits,
 * sign bits, zero lengths. */
static const unsigned char boundary_bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe};

/* Changes one to eight bytes: a bit flip, a random byte or a boundary value. */
static void mutate_flip(buffer *buf, uint64_t *rng)
{
    const size_t n = 1 + random_below(rng, 8);
    for (size_t i = 0; i < n && buf->size; i++) {
        const size_t at = random_below(rng, buf->size);
        switch (random_below(rng, 3)) {
        case 0:
            buf->data[at] ^= (unsigned char)(1u << random_below(rng, 8));
            break;
        case 1:
            buf->data[at] = (unsigned char)next_random(rng);
            break;
        default:
            buf->data[at] = boundary_bytes[random_below(rng, sizeof boundary_bytes)];
        }
    }
}

/* Removes a range, or cuts the tail off. */
static void mutate_cut(buffer *buf, uint64_t *rng)
{
    if (buf->size == 0)
        return;
    const size_t at = random_below(rng, buf->size);
    size_t n = buf->size - at;
    if (random_below(rng, 2))
        n = 1 + random_below(rng, n < 64 ? n : 64);
    memmove(buf->data + at, buf->data + at + n, buf->size - at - n);
    buf->size -= n;
}

/* Inserts one to sixteen random bytes. */
static void mutate_insert(buffer *buf, uint64_t *rng)
{
    unsigned char bytes[16];
    const size_t n = 1 + random_below(rng, sizeof bytes);
    for (size_t i = 0; i < n; i++)
        bytes[i] = (unsigned char)next_random(rng);
    buffer_insert(buf, random_below(rng, buf->size + 1), bytes, n);
}

/* Copies a range of up to 256 bytes to another place, which repeats protobuf fields. */
static void mutate_duplicate(buffer *buf, uint64_t *rng)
{
    if (buf->size == 0)
        return;
    const size_t from = random_below(rng, buf->size);
    const size_t left = buf->size - from;
    const size_t n = 1 + random_below(rng, left < 256 ? left : 256);
    buffer_insert(buf, random_below(rng, buf->size + 1), buf->data + from, n);
}

/* Applies one to three mutations to a copy of model. */
static void mutate_model(const model_bytes *model, uint64_t *rng, buffer *buf)
{
    buf->size = 0;
    buffer_reserve(buf, model->size);
    memcpy(buf->data, model->data, model->size);
    buf->size = model->size;

    /* Half the cases only change bytes in place: that mostly keeps the protobuf framing
     * intact, so they get past parsing into validation, lowering and the passes. The
     * other half also cut, insert and duplicate, which mostly tests the parser. */
    const int in_place = random_below(rng, 2) == 0;
    const size_t n = 1 + random_below(rng, 3);
    for (size_t i = 0; i < n; i++) {
        const size_t draw = in_place ? 0 : random_below(rng, 4);
        if (draw == 0)
            mutate_flip(buf, rng);
        else if (draw == 1)
            mutate_cut(buf, rng);
        else if (draw == 2)
            mutate_insert(buf, rng);
        else
            mutate_duplicate(buf, rng);
    }
}

/* ---- Cases ---- */

static void on_alarm(int signal_number)
{
    (void)!write(STDERR_FILENO, timeout_line, timeout_length);
    _exit(1);
}

/* Fails the test when a compiled module's program does not write or load. */
static void check_program(aimcc_ctx *ctx, aimcc_compile *compile, int index, const char *model)
{
    char path[128];
    snprintf(path, sizeof path, "%s/case-%03d.aimc", fixture.scratch, index);
    if (aimcc_compile_write_program(ctx, compile, path) != AIMCC_OK) {
        char line[2048];
        aimcc_diag_format(aimcc_ctx_diag(ctx), line, sizeof line);
        fail_msg("case %d (%s): compiled but the program was not written: %s", index, model,
                 line);
    }
    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load_file(path, &program, &error) != AIMRT_OK)
        fail_msg("case %d (%s): compiled but its program does not load: %s", index, model,
                 error.message);
    aimrt_program_free(program);
    unlink(path);
}

/* Checks that a rejected case left one diagnostic line with a valid status. */
static void check_rejection(const aimcc_ctx *ctx, aimcc_status status, int index, const char *model)
{
    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    if (status < AIMCC_ERR_INTERNAL || diag->status != status)
        fail_msg("case %d (%s): returned status %d but the diagnostic holds %d", index, model,
                 (int)status, (int)diag->status);
    if (diag->message[0] == '\0')
        fail_msg("case %d (%s): failed with %s and an empty message", index, model,
                 aimcc_status_name(status));

    char line[2048];
    aimcc_diag_format(diag, line, sizeof line);
    if (strchr(line, '\n') || strchr(line, '\r'))
        fail_msg("case %d (%s): the message spans several lines: %s", index, model, line);

    /* An internal error on input is a check that belongs earlier, so each one is listed. */
    if (status == AIMCC_ERR_INTERNAL)
        printf("case %d (%s): internal error: %s\n", index, model, line);
}

/* Mutates, writes and compiles case index; counts its outcome. */
static void run_case(int index, buffer *buf, outcome_counts *counts)
{
    /* Half the cases mutate the MNIST CNN, the only real model; the rest cycle over the others. */
    const int n_small = fixture.n_models - 1;
    const model_bytes *model = index % 2 == 0 || n_small == 0
                                   ? &fixture.models[0]
                                   : &fixture.models[1 + (index / 2) % n_small];
    const char *name = strrchr(model->path, '/') + 1;
    uint64_t rng = SEED + (uint64_t)index;
    mutate_model(model, &rng, buf);

    char path[128];
    snprintf(path, sizeof path, "%s/case-%03d.onnx", fixture.scratch, index);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(buf->data, 1, buf->size, file), buf->size);
    assert_int_equal(fclose(file), 0);

    const int length = snprintf(timeout_line, sizeof timeout_line,
                                "test_mutations: case %d (%s) took over %d s; rerun it with "
                                "AIMCC_MUTATION_CASE=%d\n",
                                index, name, CASE_SECONDS, index);
    timeout_length = length < 0 ? 0 : (size_t)length < sizeof timeout_line ? (size_t)length
                                                                           : sizeof timeout_line - 1;
    alarm(CASE_SECONDS);
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_non_null(ctx);
    aimcc_compile *compile = NULL;
    const aimcc_status status = aimcc_compile_model(ctx, path, NULL, &compile);
    if (status == AIMCC_OK) {
        assert_non_null(compile);
        assert_non_null(aimcc_compile_module(compile));
        check_program(ctx, compile, index, name);
        counts->n_compiled++;
    } else {
        assert_null(compile);
        check_rejection(ctx, status, index, name);
        counts->n_rejected[-status]++;
    }
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    alarm(0);
    unlink(path);
}

static void print_summary(const outcome_counts *counts, int n_cases)
{
    printf("mutations: %d cases over %d models: %d compiled", n_cases, fixture.n_models,
           counts->n_compiled);
    for (int i = 1; i <= -AIMCC_ERR_INTERNAL; i++) {
        if (counts->n_rejected[i])
            printf(", %d %s", counts->n_rejected[i], aimcc_status_name((aimcc_status)-i));
    }
    printf("\n");
}

static void test_mutated_models_compile_or_reject(void **state)
{
    int first = 0, last = N_CASES - 1;
    const char *only = getenv("AIMCC_MUTATION_CASE");
    if (only && only[0]) {
        first = last = atoi(only);
        assert_in_range(first, 0, N_CASES - 1);
    }

    buffer buf = {0};
    outcome_counts counts = {0};
    for (int index = first; index <= last; index++)
        run_case(index, &buf, &counts);
    free(buf.data);
    print_summary(&counts, last - first + 1);
}

/* Replaces byte at of every occurrence of pattern in buf with value; returns the count. */
static int patch_all(buffer *buf, const char *pattern, size_t length, size_t at, char value)
{
    int n = 0;
    for (size_t i = 0; i + length <= buf->size; i++) {
        if (memcmp(buf->data + i, pattern, length) == 0) {
            buf->data[i + at] = (unsigned char)value;
            n++;
        }
    }
    return n;
}

/* Compiles buf, expects a failure, and returns its formatted diagnostic in line. */
static void compile_expect_failure(const buffer *buf, char *line, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/line-breaks.onnx", fixture.scratch);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(buf->data, 1, buf->size, file), buf->size);
    assert_int_equal(fclose(file), 0);

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_compile *compile = NULL;
    assert_int_not_equal(aimcc_compile_model(ctx, path, NULL, &compile), AIMCC_OK);
    aimcc_diag_format(aimcc_ctx_diag(ctx), line, size);
    aimcc_ctx_destroy(ctx);
    unlink(path);
}

/* Names read from the model reach the diagnostic's node and op fields, so a line
 * break in them must not split the one-line message. */
static void test_line_breaks_in_names(void **state)
{
    const model_bytes *mnist = &fixture.models[0];
    buffer buf = {0};
    char line[2048];

    /* The first Conv's name (field 3, 13 bytes) gets a line break, and a bad auto_pad
     * makes the import fail on that node. */
    buffer_insert(&buf, 0, mnist->data, mnist->size);
    assert_int_equal(patch_all(&buf, "\x1a\x0d" "Convolution28", 15, 13, '\n'), 1);
    assert_true(patch_all(&buf, "SAME_UPPER", 10, 9, 'X') > 0);
    compile_expect_failure(&buf, line, sizeof line);
    assert_null(strchr(line, '\n'));
    assert_non_null(strstr(line, "Convolution 8"));

    /* An op type (field 4) with a line break is unsupported, and named on one line. */
    buf.size = 0;
    buffer_insert(&buf, 0, mnist->data, mnist->size);
    assert_true(patch_all(&buf, "\x22\x04" "Conv", 6, 4, '\n') > 0);
    compile_expect_failure(&buf, line, sizeof line);
    assert_null(strchr(line, '\n'));
    assert_non_null(strstr(line, "Co v"));
    free(buf.data);
}

static int setup(void **state)
{
    aimcc_log_set_level(AIMCC_LOG_ERROR);
    snprintf(fixture.scratch, sizeof fixture.scratch, "/tmp/test_mutations.XXXXXX");
    if (!mkdtemp(fixture.scratch))
        return -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    if (sigaction(SIGALRM, &action, NULL) != 0)
        return -1;
    if (read_models() != 0)
        return -1;
    fprintf(stderr, "test_mutations: cases are written to %s; a case that crashes leaves its "
            "file there\n", fixture.scratch);
    return 0;
}

/* Cancels the alarm that a failed case left running, so it cannot end a later test. */
static int cancel_alarm(void **state)
{
    alarm(0);
    return 0;
}

static int teardown(void **state)
{
    for (int i = 0; i < fixture.n_models; i++)
        free(fixture.models[i].data);
    /* A failed case leaves its file behind for a rerun; rmdir then fails, which is fine. */
    rmdir(fixture.scratch);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_mutated_models_compile_or_reject, cancel_alarm),
        cmocka_unit_test(test_line_breaks_in_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
