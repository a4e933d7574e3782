/* SPDX-License-Identifier: MIT */
/*
 * Tests of the aimcc command. The .npy reader and writer and the eval casts are
 * tested at unit level, with their sources compiled into this test. The built
 * command runs as a process for usage errors, missing files, the documentation
 * of every --help option, and MNIST compiled, run and evaluated end to end.
 */
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../cli/cli.h"
#include "../cli/convert.c"
#include "../cli/files.c"
#include "../cli/npy.c"
#include "../cli/tensor_file.c"
#include "onnx.pb-c.h"
#include "test_pipeline.h"
#include "test_support.h"

extern char **environ;

/* Scratch folder for the files the tests write, made once. */
static char scratch[256];

static int make_scratch(void **state)
{
    snprintf(scratch, sizeof scratch, "/tmp/test_cli.XXXXXX");
    return mkdtemp(scratch) ? 0 : -1;
}

/* Removes the scratch folder and everything in it. */
static int remove_scratch(void **state)
{
    char *argv[] = {"rm", "-rf", scratch, NULL};
    pid_t pid;
    int status = 0;
    if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) != 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void scratch_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", scratch, name);
}

/* The MNIST CNN of models/, or of the shared models folder when models/ lacks it. */
static void mnist_path(char *buf, size_t size, const char *relative)
{
    char local[1024];
    snprintf(local, sizeof local, "models/mnist-cnn/%s", relative);
    test_source_path(buf, size, local);
    if (!test_path_exists(buf)) {
        snprintf(local, sizeof local, "models/mnist-cnn/%s", relative);
        test_shared_path(buf, size, local);
    }
}

/* ---- .npy at unit level ---- */

/* Builds a version 1.0 .npy image from a header dict and data bytes; returns its size. */
static size_t build_npy(unsigned char *buf, size_t size, const char *dict, const void *data,
                        size_t data_bytes)
{
    const size_t dict_length = strlen(dict);
    assert_true(10 + dict_length + 1 + data_bytes <= size);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)((dict_length + 1) & 0xff);
    buf[9] = (unsigned char)((dict_length + 1) >> 8);
    memcpy(buf + 10, dict, dict_length);
    buf[10 + dict_length] = '\n';
    if (data_bytes > 0)
        memcpy(buf + 11 + dict_length, data, data_bytes);
    return 11 + dict_length + data_bytes;
}

static void test_npy_decode_valid_arrays(void **state)
{
    unsigned char image[512];
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimrt_tensor tensor;

    const float values[6] = {0.5f, -1.0f, 2.0f, 3.25f, -4.0f, 1e-3f};
    size_t n = build_npy(image, sizeof image,
                         "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", values,
                         sizeof values);
    assert_int_equal(cli_npy_decode(ctx, "a.npy", image, n, &tensor), AIMCC_OK);
    assert_int_equal(tensor.dtype, AIMRT_DTYPE_FLOAT);
    assert_int_equal(tensor.rank, 2);
    assert_int_equal(tensor.dims[0], 2);
    assert_int_equal(tensor.dims[1], 3);
    assert_memory_equal(tensor.data, values, sizeof values);
    free(tensor.data);

    /* Keys in another order, double quotes, no trailing comma, a one-byte type without '|'. */
    const unsigned char bytes[3] = {7, 0, 255};
    n = build_npy(image, sizeof image, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<u1\"}",
                  bytes, sizeof bytes);
    assert_int_equal(cli_npy_decode(ctx, "b.npy", image, n, &tensor), AIMCC_OK);
    assert_int_equal(tensor.dtype, AIMRT_DTYPE_UINT8);
    assert_int_equal(tensor.rank, 1);
    assert_int_equal(tensor.dims[0], 3);
    assert_memory_equal(tensor.data, bytes, sizeof bytes);
    free(tensor.data);

    /* A scalar has rank 0 and one element. */
    const double scalar = 2.75;
    n = build_npy(image, sizeof image, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                  &scalar, sizeof scalar);
    assert_int_equal(cli_npy_decode(ctx, "c.npy", image, n, &tensor), AIMCC_OK);
    assert_int_equal(tensor.dtype, AIMRT_DTYPE_DOUBLE);
    assert_int_equal(tensor.rank, 0);
    assert_true(*(double *)tensor.data == 2.75);
    free(tensor.data);

    /* A zero-size array has no data bytes. */
    n = build_npy(image, sizeof image,
                  "{'descr': '<i8', 'fortran_order': False, 'shape': (4, 0), }", NULL, 0);
    assert_int_equal(cli_npy_decode(ctx, "d.npy", image, n, &tensor), AIMCC_OK);
    assert_int_equal(tensor.dims[1], 0);
    free(tensor.data);
    aimcc_ctx_destroy(ctx);
}

static void test_npy_decode_version_two(void **state)
{
    unsigned char image[256];
    const char *dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n";
    const int16_t values[2] = {-3, 300};
    const size_t dict_length = strlen(dict);
    memcpy(image, "\x93NUMPY\x02\x00", 8);
    image[8] = (unsigned char)dict_length;
    image[9] = image[10] = image[11] = 0;
    memcpy(image + 12, dict, dict_length);
    memcpy(image + 12 + dict_length, values, sizeof values);

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimrt_tensor tensor;
    assert_int_equal(cli_npy_decode(ctx, "v2.npy", image, 12 + dict_length + sizeof values,
                                    &tensor),
                     AIMCC_OK);
    assert_int_equal(tensor.dtype, AIMRT_DTYPE_INT16);
    assert_memory_equal(tensor.data, values, sizeof values);
    free(tensor.data);
    aimcc_ctx_destroy(ctx);
}

/* One malformed image: its header dict (or NULL for raw bytes), data size, and the outcome. */
typedef struct corrupt_case {
    const char *dict;
    size_t data_bytes;
    aimcc_status status;
    const char *message; /* a part of the expected message */
} corrupt_case;

static void test_npy_decode_corrupt_headers(void **state)
{
    static const corrupt_case cases[] = {
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8, AIMCC_ERR_UNSUPPORTED,
         "Fortran order"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, AIMCC_ERR_UNSUPPORTED,
         "big-endian"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, AIMCC_ERR_UNSUPPORTED,
         "'<c8' is not supported"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8,
         AIMCC_ERR_UNSUPPORTED, "structured"},
        {"{'descr': '<f4', 'fortran_order': False, }", 8, AIMCC_ERR_INVALID_ARG,
         "missing key 'shape'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8,
         AIMCC_ERR_INVALID_ARG, "repeated key 'descr'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, }", 24, AIMCC_ERR_INVALID_ARG,
         "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
         AIMCC_ERR_INVALID_ARG, "shape dimension 0"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8,
         AIMCC_ERR_INVALID_ARG, "overflows"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4,
         AIMCC_ERR_UNSUPPORTED, "more than 8 dimensions"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, AIMCC_ERR_INVALID_ARG,
         "truncated"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, AIMCC_ERR_INVALID_ARG,
         "4 bytes follow"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", 4,
         AIMCC_ERR_INVALID_ARG, "after the dict"},
        {"{'descr': '<f4", 0, AIMCC_ERR_INVALID_ARG, "'descr'"},
        {"['descr']", 0, AIMCC_ERR_INVALID_ARG, "does not start with a dict"},
    };
    unsigned char image[512];
    const unsigned char zeros[32] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aimcc_ctx *ctx = aimcc_ctx_create();
        const size_t n = build_npy(image, sizeof image, cases[i].dict, zeros, cases[i].data_bytes);
        aimrt_tensor tensor = {0};
        const aimcc_status status = cli_npy_decode(ctx, "bad.npy", image, n, &tensor);
        const aimcc_diag *diag = aimcc_ctx_diag(ctx);
        if (status != cases[i].status || !strstr(diag->message, cases[i].message))
            print_error("case %zu: status %d, message \"%s\"; expected status %d and \"%s\"\n", i,
                        status, diag->message, cases[i].status, cases[i].message);
        assert_int_equal(status, cases[i].status);
        assert_non_null(strstr(diag->message, cases[i].message));
        assert_string_equal(diag->file, "bad.npy");
        assert_null(tensor.data);
        aimcc_ctx_destroy(ctx);
    }
}

static void test_npy_decode_broken_prefix(void **state)
{
    unsigned char image[64];
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimrt_tensor tensor;

    /* An empty file and a file with another magic. */
    assert_int_equal(cli_npy_decode(ctx, "e.npy", image, 0, &tensor), AIMCC_ERR_INVALID_ARG);
    assert_non_null(strstr(aimcc_ctx_diag(ctx)->message, "not an .npy file"));
    aimcc_ctx_clear(ctx);
    memcpy(image, "PK\x03\x04 zip file", 14);
    assert_int_equal(cli_npy_decode(ctx, "z.npy", image, 14, &tensor), AIMCC_ERR_INVALID_ARG);
    aimcc_ctx_clear(ctx);

    /* Version 4.0 does not exist. */
    const size_t n = build_npy(image, sizeof image, "{}", NULL, 0);
    image[6] = 4;
    assert_int_equal(cli_npy_decode(ctx, "v4.npy", image, n, &tensor), AIMCC_ERR_UNSUPPORTED);
    assert_non_null(strstr(aimcc_ctx_diag(ctx)->message, "version 4.0"));
    aimcc_ctx_clear(ctx);

    /* A header length beyond the end of the file, and one beyond the reader's limit. */
    build_npy(image, sizeof image, "{'descr': '<f4'}", NULL, 0);
    image[8] = 0xff;
    assert_int_equal(cli_npy_decode(ctx, "t.npy", image, 30, &tensor), AIMCC_ERR_INVALID_ARG);
    assert_non_null(strstr(aimcc_ctx_diag(ctx)->message, "truncated"));
    aimcc_ctx_clear(ctx);
    memcpy(image, "\x93NUMPY\x02\x00\xff\xff\xff\xff{", 13);
    assert_int_equal(cli_npy_decode(ctx, "h.npy", image, 13, &tensor), AIMCC_ERR_INVALID_ARG);
    assert_non_null(strstr(aimcc_ctx_diag(ctx)->message, "exceeds"));
    aimcc_ctx_destroy(ctx);
}

static void test_npy_write_read_roundtrip(void **state)
{
    char path[512];
    scratch_path(path, sizeof path, "roundtrip.npy");
    int32_t values[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        values[i] = i * 1000 - 7;
    const aimrt_tensor tensor = {AIMRT_DTYPE_INT32, 3, {2, 3, 4}, values};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, path, &tensor), AIMCC_OK);

    /* The support library's reader is written apart from cli/npy.c. */
    test_tensor read;
    char message[512];
    assert_int_equal(test_tensor_read_npy(path, &read, message, sizeof message), AIMCC_OK);
    assert_int_equal(read.tensor.dtype, AIMRT_DTYPE_INT32);
    assert_int_equal(read.tensor.rank, 3);
    assert_int_equal(read.tensor.dims[2], 4);
    assert_memory_equal(read.tensor.data, values, sizeof values);
    test_tensor_free(&read);

    /* The data starts at a multiple of 64 bytes, as numpy writes it. */
    aimrt_tensor again;
    assert_int_equal(cli_npy_read(ctx, path, &again), AIMCC_OK);
    assert_memory_equal(again.data, values, sizeof values);
    free(again.data);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((st.st_size - (off_t)sizeof values) % 64, 0);
    aimcc_ctx_destroy(ctx);
}

static void test_npy_read_missing_file(void **state)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimrt_tensor tensor;
    assert_int_equal(cli_npy_read(ctx, "/nonexistent/x.npy", &tensor), AIMCC_ERR_IO);
    assert_string_equal(aimcc_ctx_diag(ctx)->file, "/nonexistent/x.npy");
    aimcc_ctx_destroy(ctx);
}

/* ---- eval casts ---- */

static void test_convert_rounds_half_even(void **state)
{
    int8_t i8[7];
    const float in[7] = {2.5f, 3.5f, -2.5f, 300.0f, -300.0f, NAN, -0.5f};
    const int8_t want[7] = {2, 4, -2, 127, -128, 0, 0};
    for (int i = 0; i < 7; i++)
        cli_element_set(i8, AIMRT_DTYPE_INT8, i, in[i]);
    assert_memory_equal(i8, want, sizeof want);

    uint8_t u8[3];
    cli_element_set(u8, AIMRT_DTYPE_UINT8, 0, -1.0f);
    cli_element_set(u8, AIMRT_DTYPE_UINT8, 1, 255.5f);
    cli_element_set(u8, AIMRT_DTYPE_UINT8, 2, 0.5f);
    assert_int_equal(u8[0], 0);
    assert_int_equal(u8[1], 255);
    assert_int_equal(u8[2], 0);

    int64_t i64[2];
    cli_element_set(i64, AIMRT_DTYPE_INT64, 0, 1e30f);
    cli_element_set(i64, AIMRT_DTYPE_INT64, 1, -1e30f);
    assert_true(i64[0] == INT64_MAX);
    assert_true(i64[1] == INT64_MIN);
    uint64_t u64;
    cli_element_set(&u64, AIMRT_DTYPE_UINT64, 0, -5.0f);
    assert_true(u64 == 0);

    /* 0x3c00 is 1.0 in IEEE half precision, 0xc000 is -2.0. */
    uint16_t f16[2];
    cli_element_set(f16, AIMRT_DTYPE_FLOAT16, 0, 1.0f);
    cli_element_set(f16, AIMRT_DTYPE_FLOAT16, 1, -2.0f);
    assert_int_equal(f16[0], 0x3c00);
    assert_int_equal(f16[1], 0xc000);
    assert_true(cli_element_get(f16, AIMRT_DTYPE_FLOAT16, 1) == -2.0);
}

/* ---- the command as a process ---- */

/* Runs aimcc with args (NULL-terminated), stdout and stderr into scratch files;
 * returns the exit status and fills err (and out when given) with their text. */
static int run_aimcc(const char *const *args, char *out, size_t out_size, char *err,
                     size_t err_size)
{
    char out_path[512], err_path[512];
    scratch_path(out_path, sizeof out_path, "stdout.txt");
    scratch_path(err_path, sizeof err_path, "stderr.txt");
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)AIMCC_COMMAND;
    for (int i = 0; args[i] && argc < 63; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, AIMCC_COMMAND, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));

    aimcc_ctx *ctx = aimcc_ctx_create();
    char *text = NULL;
    size_t size = 0;
    const char *paths[2] = {out_path, err_path};
    char *buffers[2] = {out, err};
    const size_t sizes[2] = {out_size, err_size};
    for (int i = 0; i < 2; i++) {
        if (!buffers[i])
            continue;
        assert_int_equal(cli_read_file(ctx, paths[i], &text, &size), AIMCC_OK);
        snprintf(buffers[i], sizes[i], "%s", text);
        free(text);
    }
    aimcc_ctx_destroy(ctx);
    return WEXITSTATUS(status);
}

/* Asserts that the one-line error contains a text. */
static void assert_error_names(const char *err, const char *text)
{
    if (!strstr(err, "aimcc: error: ") || !strstr(err, text))
        print_error("stderr \"%s\" lacks \"%s\"\n", err, text);
    assert_non_null(strstr(err, "aimcc: error: "));
    assert_non_null(strstr(err, text));

    /* One line: the only newline ends the text. */
    const char *newline = strchr(err, '\n');
    assert_non_null(newline);
    assert_int_equal(newline[1], '\0');
}

typedef struct usage_case {
    const char *args[12];
    const char *message;
} usage_case;

static void test_cli_usage_errors_exit_two(void **state)
{
    static const usage_case cases[] = {
        {{NULL}, "missing command"},
        {{"frobnicate", NULL}, "unknown command \"frobnicate\""},
        {{"compile", NULL}, "missing the model file"},
        {{"compile", "m.onnx", NULL}, "-o PROG.aimc"},
        {{"compile", "m.onnx", "-o", NULL}, "--output needs a value"},
        {{"compile", "m.onnx", "-o", "p.aimc", "--bogus", NULL}, "unknown option --bogus"},
        {{"compile", "m.onnx", "-o", "p.aimc", "--set", "adc.bits", NULL}, "KEY=VALUE"},
        {{"compile", "m.onnx", "-o", "p.aimc", "--dump-after", "nope", NULL}, "\"nope\" is not a pass"},
        {{"compile", "m.onnx", "-o", "p.aimc", "--scale", "2", NULL}, "give --calib X.npy"},
        {{"compile", "m.onnx", "-o", "p.aimc", "--calib", "x.npy", "--shift", "b", NULL},
         "--shift needs a number"},
        {{"run", "p.aimc", "-o", "out", NULL}, "-i INPUT"},
        {{"run", "p.aimc", "-i", "x.pb", NULL}, "-o OUTDIR"},
        {{"run", "p.aimc", "-i", "x.pb", "-o", "d", "--format", "csv", NULL}, "pb or npy"},
        {{"run", "p.aimc", "-i", "x.pb", "-o", "d", "--seed", "-1", NULL}, "--seed needs an integer"},
        {{"run", "p.aimc", "-i", "x.pb", "-o", "d", "--device", "gpu", NULL}, "exact or sim"},
        {{"eval", "p.aimc", "--inputs", "x.npy", NULL}, "missing --labels"},
        {{"eval", "p.aimc", "--inputs", "x.npy", "--labels", "y.npy", "--batch", "0", NULL},
         "--batch needs an integer from 1 to 65536"},
        {{"eval", "p.aimc", "--inputs", "x.npy", "--labels", "y.npy", "--time", "-1", NULL},
         "--time needs a number"},
        {{"eval", "p.aimc", "--inputs", "x.npy", "--labels", "y.npy", "--scale", "abc", NULL},
         "--scale needs a number"},
        {{"plot", NULL}, "missing the figure kind"},
        {{"plot", "pie", "a.json", "-o", "x.png", NULL}, "unknown figure kind \"pie\""},
        {{"plot", "accuracy", "a.json", NULL}, "-o FIGURE.png"},
        {{"plot", "accuracy", "-o", "x.png", NULL}, "missing the input files"},
        {{"plot", "accuracy", "a.json", "-o", "x.pdf", NULL}, "must end in .png or .svg"},
        {{"plot", "utilization", "a.json", "b.json", "-o", "x.png", NULL}, "one report file"},
        {{"ir", "m.onnx", "--parse", "x.ir", NULL}, "not both"},
        {{"inspect", NULL}, "missing the program file"},
        {{"inspect", "--json=yes", "p.aimc", NULL}, "takes no value"},
    };
    char err[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int status = run_aimcc(cases[i].args, NULL, 0, err, sizeof err);
        if (status != CLI_EXIT_USAGE)
            print_error("case %zu: exit status %d, stderr \"%s\"\n", i, status, err);
        assert_int_equal(status, CLI_EXIT_USAGE);
        assert_error_names(err, cases[i].message);
    }
}

static void test_cli_missing_files_exit_one(void **state)
{
    char err[4096];
    char program[512];
    scratch_path(program, sizeof program, "absent.aimc");
    const char *compile_args[] = {"compile", "/nonexistent/model.onnx", "-o", program, NULL};
    assert_int_equal(run_aimcc(compile_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "/nonexistent/model.onnx");
    assert_false(test_path_exists(program));

    const char *run_args[] = {"run", "/nonexistent/p.aimc", "-i", "x.pb", "-o", scratch, NULL};
    assert_int_equal(run_aimcc(run_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "/nonexistent/p.aimc");

    const char *inspect_args[] = {"inspect", "/nonexistent/p.aimc", NULL};
    assert_int_equal(run_aimcc(inspect_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_string_equal(err, "aimcc: error: /nonexistent/p.aimc: cannot open the program: No such "
                             "file or directory\n");

    const char *ir_args[] = {"ir", "--parse", "/nonexistent/m.ir", NULL};
    assert_int_equal(run_aimcc(ir_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "/nonexistent/m.ir");

    const char *targets_args[] = {"targets", "no-such-preset", NULL};
    assert_int_equal(run_aimcc(targets_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "no-such-preset");
}

/* Checks that every option token of a help text appears in docs/cli.md. */
static void check_options_documented(const char *help, const char *docs, const char *command)
{
    for (const char *c = help; *c; c++) {
        if (*c != '-' || (c > help && c[-1] != ' ' && c[-1] != '[' && c[-1] != '\n'))
            continue;
        const size_t length = strspn(c, "-abcdefghijklmnopqrstuvwxyz");
        if (length < 2 || c[1] == ' ')
            continue;
        char option[64];
        snprintf(option, sizeof option, "%.*s", (int)length, c);
        if (!strstr(docs, option))
            print_error("aimcc %s --help shows %s, which docs/cli.md lacks\n", command, option);
        assert_non_null(strstr(docs, option));
        c += length - 1;
    }
}

static void test_cli_help_options_documented(void **state)
{
    char docs_path[1024];
    test_source_path(docs_path, sizeof docs_path, "docs/cli.md");
    aimcc_ctx *ctx = aimcc_ctx_create();
    char *docs = NULL;
    size_t size = 0;
    assert_int_equal(cli_read_file(ctx, docs_path, &docs, &size), AIMCC_OK);

    static const char *const commands[] = {"compile", "run", "eval", "ir", "inspect", "plot",
                                           "targets"};
    static char help[32768];
    char err[1024];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *args[] = {commands[i], "--help", NULL};
        assert_int_equal(run_aimcc(args, help, sizeof help, err, sizeof err), CLI_EXIT_OK);
        assert_non_null(strstr(help, "Usage: aimcc "));
        check_options_documented(help, docs, commands[i]);

        /* Each command has its own section. */
        char heading[64];
        snprintf(heading, sizeof heading, "\n## %s\n", commands[i]);
        assert_non_null(strstr(docs, heading));
    }
    const char *version_args[] = {"--version", NULL};
    assert_int_equal(run_aimcc(version_args, help, sizeof help, err, sizeof err), CLI_EXIT_OK);
    assert_non_null(strstr(help, "aimcc "));
    free(docs);
    aimcc_ctx_destroy(ctx);
}

static void test_cli_targets_lists_float(void **state)
{
    static char out[16384];
    char err[1024];
    const char *args[] = {"targets", NULL};
    assert_int_equal(run_aimcc(args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
    assert_non_null(strstr(out, "float "));
    assert_non_null(strstr(out, "current, 512x512, 4096 tiles"));

    const char *one_args[] = {"targets", "float", NULL};
    assert_int_equal(run_aimcc(one_args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
    cJSON *json = cJSON_Parse(out);
    assert_non_null(json);
    assert_string_equal(cJSON_GetObjectItem(json, "name")->valuestring, "float");
    cJSON_Delete(json);
}

/* Compiles the MNIST CNN once into the scratch folder. */
static void compile_mnist(char *program, size_t size)
{
    scratch_path(program, size, "mnist.aimc");
    if (test_path_exists(program))
        return;
    char model[1024], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    const char *args[] = {"compile", model, "-t", "float", "-o", program, NULL};
    const int status = run_aimcc(args, NULL, 0, err, sizeof err);
    if (status != CLI_EXIT_OK)
        print_error("compile failed: %s\n", err);
    assert_int_equal(status, CLI_EXIT_OK);
}

static void test_cli_mnist_run_matches_reference(void **state)
{
    char program[512], input[1024], expected_path[1024], outdir[512], output[1024], err[4096];
    compile_mnist(program, sizeof program);
    mnist_path(input, sizeof input, "test_data_set_0/input_0.pb");
    mnist_path(expected_path, sizeof expected_path, "test_data_set_0/output_0.pb");
    scratch_path(outdir, sizeof outdir, "run0/nested");
    const char *args[] = {"run", program, "-i", input, "-o", outdir, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_OK);

    snprintf(output, sizeof output, "%s/output_0.pb", outdir);
    test_tensor actual, expected;
    char message[1024];
    assert_int_equal(test_tensor_read_pb(output, &actual, message, sizeof message), AIMCC_OK);
    assert_int_equal(test_tensor_read_pb(expected_path, &expected, message, sizeof message),
                     AIMCC_OK);
    assert_string_equal(actual.name, "Plus214_Output_0");
    assert_true(test_compare_outputs(&actual.tensor, &expected.tensor, test_tolerance_default,
                                     "mnist-cnn output_0"));
    test_tensor_free(&actual);
    test_tensor_free(&expected);
}

/* Reads test_data_set_K/input_0.pb and output_0.pb of the MNIST CNN. */
static void read_mnist_case(int k, test_tensor *input, test_tensor *output)
{
    char path[1024], relative[64], message[1024];
    snprintf(relative, sizeof relative, "test_data_set_%d/input_0.pb", k);
    mnist_path(path, sizeof path, relative);
    assert_int_equal(test_tensor_read_pb(path, input, message, sizeof message), AIMCC_OK);
    snprintf(relative, sizeof relative, "test_data_set_%d/output_0.pb", k);
    mnist_path(path, sizeof path, relative);
    assert_int_equal(test_tensor_read_pb(path, output, message, sizeof message), AIMCC_OK);
}

/* Returns the index of the first maximum of n floats. */
static int first_max(const float *values, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (values[i] > values[best])
            best = i;
    return best;
}

/* Writes the three MNIST test inputs as one .npy batch X (divided by divisor) and their
 * reference classes, plus offset, as labels Y. */
static void write_mnist_batch(const char *x_path, const char *y_path, float divisor,
                              int64_t label_offset)
{
    float pixels[3][784];
    int64_t labels[3];
    for (int k = 0; k < 3; k++) {
        test_tensor input, output;
        read_mnist_case(k, &input, &output);
        assert_int_equal(test_tensor_count(&input.tensor), 784);
        for (int i = 0; i < 784; i++)
            pixels[k][i] = ((const float *)input.tensor.data)[i] / divisor;
        labels[k] = (first_max(output.tensor.data, 10) + label_offset) % 10;
        test_tensor_free(&input);
        test_tensor_free(&output);
    }
    aimcc_ctx *ctx = aimcc_ctx_create();
    const aimrt_tensor x = {AIMRT_DTYPE_FLOAT, 4, {3, 1, 28, 28}, pixels};
    const aimrt_tensor y = {AIMRT_DTYPE_INT64, 1, {3}, labels};
    assert_int_equal(cli_npy_write(ctx, x_path, &x), AIMCC_OK);
    assert_int_equal(cli_npy_write(ctx, y_path, &y), AIMCC_OK);
    aimcc_ctx_destroy(ctx);
}

static void test_cli_run_npy_batch(void **state)
{
    char program[512], x_path[512], y_path[512], outdir[512], output[1024], err[4096];
    compile_mnist(program, sizeof program);
    scratch_path(x_path, sizeof x_path, "batch_x.npy");
    scratch_path(y_path, sizeof y_path, "batch_y.npy");
    scratch_path(outdir, sizeof outdir, "run_batch");
    write_mnist_batch(x_path, y_path, 1.0f, 0);
    const char *args[] = {"run", program, "-i", x_path, "-o", outdir, "--format", "npy", NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_OK);

    snprintf(output, sizeof output, "%s/output_0.npy", outdir);
    test_tensor actual;
    char message[1024];
    assert_int_equal(test_tensor_read_npy(output, &actual, message, sizeof message), AIMCC_OK);
    assert_int_equal(actual.tensor.rank, 2);
    assert_int_equal(actual.tensor.dims[0], 3);
    assert_int_equal(actual.tensor.dims[1], 10);
    for (int k = 0; k < 3; k++) {
        test_tensor input, expected;
        read_mnist_case(k, &input, &expected);
        aimrt_tensor row = expected.tensor;
        row.data = (float *)actual.tensor.data + 10 * k;
        assert_true(test_compare_outputs(&row, &expected.tensor, test_tolerance_default,
                                         "mnist-cnn batch row"));
        test_tensor_free(&input);
        test_tensor_free(&expected);
    }
    test_tensor_free(&actual);
}

static void test_cli_run_rejects_wrong_dtype(void **state)
{
    char program[512], x_path[512], outdir[512], err[4096];
    compile_mnist(program, sizeof program);
    scratch_path(x_path, sizeof x_path, "wrong_dtype.npy");
    scratch_path(outdir, sizeof outdir, "run_wrong");
    int64_t values[784] = {0};
    const aimrt_tensor x = {AIMRT_DTYPE_INT64, 4, {1, 1, 28, 28}, values};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, x_path, &x), AIMCC_OK);
    aimcc_ctx_destroy(ctx);

    const char *args[] = {"run", program, "-i", x_path, "-o", outdir, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "\"Input3\"");
    assert_error_names(err, "f32[1,1,28,28]");
    assert_error_names(err, "i64[1,1,28,28]");
    assert_false(test_path_exists(outdir));

    /* The float program has no tiles for the simulator, but the input is checked first. */
    const char *sim_args[] = {"run", program, "-i", x_path, "-o", outdir, "--device", "sim", NULL};
    assert_int_equal(run_aimcc(sim_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "i64[1,1,28,28]");
}

/* Runs eval with --json on X and Y and returns the parsed object (caller frees). */
static cJSON *eval_json(const char *program, const char *x_path, const char *y_path,
                        const char *scale)
{
    static char out[8192];
    char err[4096];
    const char *args[] = {"eval", program, "--inputs", x_path, "--labels", y_path, "--batch", "2",
                          "--repeat", "2", "--scale", scale, "--json", NULL};
    const int status = run_aimcc(args, out, sizeof out, err, sizeof err);
    if (status != CLI_EXIT_OK)
        print_error("eval failed: %s\n", err);
    assert_int_equal(status, CLI_EXIT_OK);
    cJSON *json = cJSON_Parse(out);
    assert_non_null(json);
    return json;
}

static void test_cli_eval_reference_labels(void **state)
{
    char program[512], x_path[512], y_path[512], wrong_path[512];
    compile_mnist(program, sizeof program);
    scratch_path(x_path, sizeof x_path, "eval_x.npy");
    scratch_path(y_path, sizeof y_path, "eval_y.npy");
    scratch_path(wrong_path, sizeof wrong_path, "eval_wrong.npy");

    /* Labels from the reference outputs: every prediction is right. X is stored divided by
     * 255 and --scale 255 restores it. */
    write_mnist_batch(x_path, y_path, 255.0f, 0);
    cJSON *json = eval_json(program, x_path, y_path, "255");
    assert_true(cJSON_GetObjectItem(json, "top1")->valuedouble == 1.0);
    assert_true(cJSON_GetObjectItem(json, "top1_std")->valuedouble == 0.0);
    assert_int_equal(cJSON_GetObjectItem(json, "samples")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(json, "repeat")->valueint, 2);
    assert_non_null(cJSON_GetObjectItem(json, "seconds"));
    cJSON_Delete(json);

    /* Labels shifted by one class: every prediction is wrong. */
    write_mnist_batch(x_path, wrong_path, 255.0f, 1);
    json = eval_json(program, x_path, wrong_path, "255");
    assert_true(cJSON_GetObjectItem(json, "top1")->valuedouble == 0.0);
    cJSON_Delete(json);
}

static void test_cli_eval_label_count_mismatch(void **state)
{
    char program[512], x_path[512], y_path[512], err[4096];
    compile_mnist(program, sizeof program);
    scratch_path(x_path, sizeof x_path, "mismatch_x.npy");
    scratch_path(y_path, sizeof y_path, "mismatch_y.npy");
    write_mnist_batch(x_path, y_path, 1.0f, 0);
    int64_t labels[2] = {0, 1};
    const aimrt_tensor y = {AIMRT_DTYPE_INT64, 1, {2}, labels};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, y_path, &y), AIMCC_OK);
    aimcc_ctx_destroy(ctx);

    /* Either file may be the wrong one, so the line starts with neither as its file. */
    const char *args[] = {"eval", program, "--inputs", x_path, "--labels", y_path, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    char expected[2048];
    snprintf(expected, sizeof expected,
             "aimcc: error: %s contains 3 samples (the first axis of its shape f32[3,1,28,28]) but "
             "%s contains 2 labels; give one label per sample\n",
             x_path, y_path);
    assert_string_equal(err, expected);

    /* One sample, the ONNX test data input, against the 3 labels: singular, and the
     * labels are not blamed. */
    char one_path[1024];
    mnist_path(one_path, sizeof one_path, "test_data_set_0/input_0.pb");
    write_mnist_batch(x_path, y_path, 1.0f, 0);
    const char *one_args[] = {"eval", program, "--inputs", one_path, "--labels", y_path, NULL};
    assert_int_equal(run_aimcc(one_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    snprintf(expected, sizeof expected,
             "aimcc: error: %s contains 1 sample (the first axis of its shape f32[1,1,28,28]) but "
             "%s contains 3 labels; give one label per sample\n",
             one_path, y_path);
    assert_string_equal(err, expected);

    const char *range_args[] = {"eval", program, "--inputs", x_path, "--labels", x_path, NULL};
    assert_int_equal(run_aimcc(range_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "labels must be 1-D integers");
}

/* The protobuf messages that describe one f32 graph input or output of rank 2. */
typedef struct value_info_storage {
    Onnx__ValueInfoProto info;
    Onnx__TypeProto type;
    Onnx__TypeProto__Tensor tensor;
    Onnx__TensorShapeProto shape;
    Onnx__TensorShapeProto__Dimension dims[2];
    Onnx__TensorShapeProto__Dimension *dim_pointers[2];
} value_info_storage;

static Onnx__ValueInfoProto *make_value_info(value_info_storage *s, const char *name, int64_t rows,
                                             int64_t cols)
{
    onnx__value_info_proto__init(&s->info);
    onnx__type_proto__init(&s->type);
    onnx__type_proto__tensor__init(&s->tensor);
    onnx__tensor_shape_proto__init(&s->shape);
    const int64_t sizes[2] = {rows, cols};
    for (int i = 0; i < 2; i++) {
        onnx__tensor_shape_proto__dimension__init(&s->dims[i]);
        s->dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        s->dims[i].dim_value = sizes[i];
        s->dim_pointers[i] = &s->dims[i];
    }
    s->shape.n_dim = 2;
    s->shape.dim = s->dim_pointers;
    s->tensor.has_elem_type = 1;
    s->tensor.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    s->tensor.shape = &s->shape;
    s->type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    s->type.tensor_type = &s->tensor;
    s->info.name = (char *)name;
    s->info.type = &s->type;
    return &s->info;
}

/* Writes the model y = MatMul(x, W) with x f32[4,10] at a fixed batch of 4 and W f32[10,3].
 * With row_param, the first dimension of x and y is that symbolic name instead of 4. */
static void write_fixed_batch_model(const char *path, const float *weights, const char *row_param)
{
    Onnx__TensorProto w = ONNX__TENSOR_PROTO__INIT;
    int64_t w_dims[2] = {10, 3};
    w.name = "W";
    w.n_dims = 2;
    w.dims = w_dims;
    w.has_data_type = 1;
    w.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    w.has_raw_data = 1;
    w.raw_data.len = 30 * sizeof(float);
    w.raw_data.data = (uint8_t *)weights;
    Onnx__TensorProto *initializers[1] = {&w};

    Onnx__NodeProto node = ONNX__NODE_PROTO__INIT;
    char *node_inputs[2] = {"x", "W"};
    char *node_outputs[1] = {"y"};
    node.name = "mm";
    node.op_type = "MatMul";
    node.n_input = 2;
    node.input = node_inputs;
    node.n_output = 1;
    node.output = node_outputs;
    Onnx__NodeProto *nodes[1] = {&node};

    value_info_storage x_storage, y_storage;
    Onnx__ValueInfoProto *inputs[1] = {make_value_info(&x_storage, "x", 4, 10)};
    Onnx__ValueInfoProto *outputs[1] = {make_value_info(&y_storage, "y", 4, 3)};
    if (row_param) {
        Onnx__TensorShapeProto__Dimension *rows[2] = {&x_storage.dims[0], &y_storage.dims[0]};
        for (int i = 0; i < 2; i++) {
            rows[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            rows[i]->dim_param = (char *)row_param;
        }
    }
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "fixed_batch";
    graph.n_node = 1;
    graph.node = nodes;
    graph.n_initializer = 1;
    graph.initializer = initializers;
    graph.n_input = 1;
    graph.input = inputs;
    graph.n_output = 1;
    graph.output = outputs;

    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    opset.domain = "";
    opset.has_version = 1;
    opset.version = 13;
    Onnx__OperatorSetIdProto *opsets[1] = {&opset};
    Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
    model.has_ir_version = 1;
    model.ir_version = 7;
    model.n_opset_import = 1;
    model.opset_import = opsets;
    model.graph = &graph;

    const size_t size = onnx__model_proto__get_packed_size(&model);
    uint8_t *bytes = malloc(size);
    assert_non_null(bytes);
    onnx__model_proto__pack(&model, bytes);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
    free(bytes);
}

static void test_cli_eval_fixed_batch_padding(void **state)
{
    char model[512], program[512], x_path[512], y_path[512], err[4096];
    static char out[4096];
    scratch_path(model, sizeof model, "fixed4.onnx");
    scratch_path(program, sizeof program, "fixed4.aimc");
    scratch_path(x_path, sizeof x_path, "fixed4_x.npy");
    scratch_path(y_path, sizeof y_path, "fixed4_y.npy");

    /* Small integers keep every product exact, so the class scores computed here match. */
    float weights[30], x[10][10];
    for (int i = 0; i < 30; i++)
        weights[i] = (float)((i * 7) % 11 - 5);
    for (int s = 0; s < 10; s++)
        for (int i = 0; i < 10; i++)
            x[s][i] = (float)((s * 13 + i * 5) % 9 - 4);
    write_fixed_batch_model(model, weights, NULL);

    /* Labels: the first maximum of x @ W, made wrong on every third sample. */
    int64_t labels[10];
    int expected_correct = 0;
    for (int s = 0; s < 10; s++) {
        float scores[3] = {0};
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 10; i++)
                scores[c] += x[s][i] * weights[i * 3 + c];
        labels[s] = first_max(scores, 3);
        if (s % 3 == 0)
            labels[s] = (labels[s] + 1) % 3;
        else if (s >= 3 && s < 8)
            expected_correct++;
    }
    aimcc_ctx *ctx = aimcc_ctx_create();
    const aimrt_tensor x_tensor = {AIMRT_DTYPE_FLOAT, 2, {10, 10}, x};
    const aimrt_tensor y_tensor = {AIMRT_DTYPE_INT64, 1, {10}, labels};
    assert_int_equal(cli_npy_write(ctx, x_path, &x_tensor), AIMCC_OK);
    assert_int_equal(cli_npy_write(ctx, y_path, &y_tensor), AIMCC_OK);
    aimcc_ctx_destroy(ctx);

    const char *compile_args[] = {"compile", model, "-o", program, NULL};
    assert_int_equal(run_aimcc(compile_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);

    /* Samples 3 to 7 take two runs of 4, the second padded with three zero samples. */
    const char *args[] = {"eval", program, "--inputs", x_path, "--labels", y_path,
                          "--offset", "3", "--limit", "5", "--json", NULL};
    assert_int_equal(run_aimcc(args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
    cJSON *json = cJSON_Parse(out);
    assert_non_null(json);
    assert_int_equal(cJSON_GetObjectItem(json, "samples")->valueint, 5);
    const cJSON *correct = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "correct"), 0);
    assert_non_null(correct);
    assert_int_equal(correct->valueint, expected_correct);
    cJSON_Delete(json);
}

static void test_cli_ir_parse_roundtrip(void **state)
{
    char model[1024], dump_path[512], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(dump_path, sizeof dump_path, "mnist.ir");
    static char dump[1 << 20], again[1 << 20];
    const char *args[] = {"ir", model, "--after", "canonicalize", "--dump-weights", NULL};
    assert_int_equal(run_aimcc(args, dump, sizeof dump, err, sizeof err), CLI_EXIT_OK);
    assert_true(strncmp(dump, "aimcc-ir ", 9) == 0);

    FILE *file = fopen(dump_path, "w");
    assert_non_null(file);
    fputs(dump, file);
    fclose(file);
    const char *parse_args[] = {"ir", "--parse", dump_path, "--dump-weights", NULL};
    assert_int_equal(run_aimcc(parse_args, again, sizeof again, err, sizeof err), CLI_EXIT_OK);
    assert_string_equal(again, dump);
}

static void test_cli_inspect_compiled_program(void **state)
{
    char program[512], err[4096];
    static char out[1 << 16];
    compile_mnist(program, sizeof program);
    const char *args[] = {"inspect", program, "--json", NULL};
    assert_int_equal(run_aimcc(args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
    cJSON *json = cJSON_Parse(out);
    assert_non_null(json);
    cJSON_Delete(json);
}

/* Counts the occurrences of text in s. */
static int count_occurrences(const char *s, const char *text)
{
    int n = 0;
    for (const char *at = strstr(s, text); at; at = strstr(at + 1, text))
        n++;
    return n;
}

static void test_cli_model_errors_name_file_once(void **state)
{
    char err[4096], program[512], x_path[512], model[1024], const_arg[1024], output[512];
    scratch_path(output, sizeof output, "unused.aimc");
    const char *missing_args[] = {"compile", "/nonexistent/model.onnx", "-o", output, NULL};
    assert_int_equal(run_aimcc(missing_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_string_equal(err, "aimcc: error: /nonexistent/model.onnx: [frontend] cannot open the "
                             "model file: No such file or directory\n");

    /* A compiled program is not a model: the message says what it is instead of
     * asking for a new export. */
    compile_mnist(program, sizeof program);
    const char *program_args[] = {"compile", program, "-o", output, NULL};
    assert_int_equal(run_aimcc(program_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "the file is an aimcc program");
    assert_int_equal(count_occurrences(err, program), 1);
    assert_null(strstr(err, "re-export"));

    /* --const takes TensorProto files only, and says so for a .npy file. */
    scratch_path(x_path, sizeof x_path, "const_shape.npy");
    int64_t shape[2] = {1, 784};
    const aimrt_tensor tensor = {AIMRT_DTYPE_INT64, 1, {2}, shape};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, x_path, &tensor), AIMCC_OK);
    aimcc_ctx_destroy(ctx);
    mnist_path(model, sizeof model, "model.onnx");
    snprintf(const_arg, sizeof const_arg, "Input3=%s", x_path);
    const char *const_args[] = {"compile", model, "-o", output, "--const", const_arg, NULL};
    assert_int_equal(run_aimcc(const_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "is a numpy .npy file, but --const takes an ONNX TensorProto (.pb) "
                            "file");
    assert_false(test_path_exists(output));
}

static void test_cli_output_errors_name_path(void **state)
{
    char err[4096], model[1024], expected[2048];
    mnist_path(model, sizeof model, "model.onnx");

    /* The output's folder is missing: the line is about the output path alone. */
    const char *missing_args[] = {"compile", model, "-o", "/nonexistent/dir/x.aimc", NULL};
    assert_int_equal(run_aimcc(missing_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_true(strncmp(err, "aimcc: error: /nonexistent/dir/x.aimc: cannot create", 52) == 0);
    assert_null(strstr(err, model));
    assert_null(strstr(err, "[backend]"));

    /* A folder as the output asks for a file path. */
    const char *folder_args[] = {"compile", model, "-o", scratch, NULL};
    assert_int_equal(run_aimcc(folder_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    snprintf(expected, sizeof expected,
             "aimcc: error: %s: is a folder, not a file; give the path of the program file to "
             "write, such as %s/model.aimc\n",
             scratch, scratch);
    assert_string_equal(err, expected);
}

static void test_cli_messages_count_singular(void **state)
{
    char program[512], input[1024], outdir[512], err[4096], model[1024], output[512];
    char targets_dir[512], expected[2048];
    compile_mnist(program, sizeof program);
    mnist_path(input, sizeof input, "test_data_set_0/input_0.pb");
    scratch_path(outdir, sizeof outdir, "two_inputs");
    const char *run_args[] = {"run", program, "-i", input, "-i", input, "-o", outdir, NULL};
    assert_int_equal(run_aimcc(run_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "the program has 1 graph input but 2 input files were given");

    /* No presets: the list of allowed names says so in words. */
    scratch_path(targets_dir, sizeof targets_dir, "no_targets");
    assert_int_equal(mkdir(targets_dir, 0777), 0);
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(output, sizeof output, "unused.aimc");
    const char *target_args[] = {"compile", model, "-o", output, "-t", "nosuch", NULL};
    assert_int_equal(setenv("AIMCC_TARGETS_DIR", targets_dir, 1), 0);
    const int status = run_aimcc(target_args, NULL, 0, err, sizeof err);
    unsetenv("AIMCC_TARGETS_DIR");
    assert_int_equal(status, CLI_EXIT_INPUT);
    snprintf(expected, sizeof expected,
             "allowed: a preset name (none found in %s) or the path of a target JSON file\n",
             targets_dir);
    assert_error_names(err, expected);
}

static void test_cli_ir_parse_error_file_first(void **state)
{
    char path[512], err[4096], expected[2048];
    scratch_path(path, sizeof path, "short_list.ir");
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("aimcc-ir 1\nmodule \"m\" {\n  %0 = const $w : f32[3] = [1, 2]\n}\n", file);
    assert_int_equal(fclose(file), 0);

    const char *args[] = {"ir", "--parse", path, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    snprintf(expected, sizeof expected,
             "aimcc: error: %s:3:33: \"w\": constant %%0 has 3 elements, but the list ends after "
             "2\n",
             path);
    assert_string_equal(err, expected);
}

/* What each command's help says about -v and -vv. */
static const struct {
    const char *command;
    const char *text;
} verbose_help[] = {
    {"compile", "-v adds info messages (each pass with its time"},
    {"ir", "-v adds info messages (each pass with its time"},
    {"run", "-v names each output file as it is written"},
    {"eval", "so -v and -vv change nothing"},
    {"inspect", "so -v and -vv change nothing"},
    {"targets", "so -v and -vv change nothing"},
};

static void test_cli_verbose_help_per_command(void **state)
{
    static char out[32768];
    char err[4096];
    for (size_t i = 0; i < sizeof verbose_help / sizeof verbose_help[0]; i++) {
        const char *args[] = {verbose_help[i].command, "--help", NULL};
        assert_int_equal(run_aimcc(args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
        /* The help wraps lines: runs of spaces and newlines become one space. */
        static char flat[32768];
        size_t n = 0;
        for (const char *c = out; *c && n + 1 < sizeof flat; c++) {
            const bool space = *c == ' ' || *c == '\n';
            if (!space)
                flat[n++] = *c;
            else if (n > 0 && flat[n - 1] != ' ')
                flat[n++] = ' ';
        }
        flat[n] = '\0';
        if (!strstr(flat, verbose_help[i].text))
            print_error("aimcc %s --help lacks \"%s\"\n", verbose_help[i].command,
                        verbose_help[i].text);
        assert_non_null(strstr(flat, verbose_help[i].text));
    }

    /* What the help promises: run -v names the output, inspect -v prints nothing. */
    char program[512], input[1024], outdir[512];
    compile_mnist(program, sizeof program);
    mnist_path(input, sizeof input, "test_data_set_0/input_0.pb");
    scratch_path(outdir, sizeof outdir, "verbose_run");
    const char *run_args[] = {"run", program, "-i", input, "-o", outdir, "-v", NULL};
    assert_int_equal(run_aimcc(run_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_non_null(strstr(err, "aimcc: info: wrote "));
    assert_non_null(strstr(err, "output_0.pb"));
    const char *inspect_args[] = {"inspect", program, "-vv", NULL};
    assert_int_equal(run_aimcc(inspect_args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
    assert_string_equal(err, "");
}

static void test_cli_short_option_inline_value(void **state)
{
    char model[1024], program[512], option[600], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(program, sizeof program, "inline.aimc");
    snprintf(option, sizeof option, "-o=%s", program);
    const char *args[] = {"compile", model, option, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_true(test_path_exists(program));
}

static void test_cli_dim_checks_every_value(void **state)
{
    char model[512], program[512], err[4096];
    float weights[30] = {0};
    scratch_path(model, sizeof model, "symbolic_rows.onnx");
    scratch_path(program, sizeof program, "symbolic_rows.aimc");
    write_fixed_batch_model(model, weights, "rows");

    /* An unknown name still has its value checked. */
    const char *zero_args[] = {"compile", model, "-o", program, "--dim", "seq=0", NULL};
    assert_int_equal(run_aimcc(zero_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "--dim seq=0: the size must be a positive integer");
    assert_false(test_path_exists(program));

    /* A valid value for an unknown name warns and lists the names the model has. */
    const char *unknown_args[] = {"compile", model, "-o", program, "--dim", "seq=2", NULL};
    assert_int_equal(run_aimcc(unknown_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_non_null(strstr(err, "aimcc: warning: [frontend] --dim seq: no graph input has a "
                                "dimension named 'seq', so the option is unused; the model's "
                                "symbolic dimensions are 'rows'\n"));

    char mnist[1024];
    mnist_path(mnist, sizeof mnist, "model.onnx");
    const char *fixed_args[] = {"compile", mnist, "-o", program, "--dim", "seq=2", NULL};
    assert_int_equal(run_aimcc(fixed_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_non_null(strstr(err, "--dim seq: the model has no symbolic dimensions"));
}


/* ---- ir --dot, compile --report and plot ---- */

/* Copies the dot node name that starts at text (letters and digits) into name. */
static const char *read_dot_name(const char *text, char *name, size_t size)
{
    size_t n = 0;
    while ((isalnum((unsigned char)text[n]) || text[n] == '_') && n + 1 < size) {
        name[n] = text[n];
        n++;
    }
    name[n] = '\0';
    return text + n;
}

/* Returns true when name is among the n names of declared. */
static bool dot_name_declared(char (*declared)[32], int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(declared[i], name) == 0)
            return true;
    }
    return false;
}

/* Checks a dot graph's structure: it opens with digraph, its braces and
 * brackets balance outside quoted strings, every statement line is a node
 * or an edge, and every edge endpoint is declared as a node first. Returns
 * the count of edges. */
static int check_dot_structure(const char *dot)
{
    assert_true(strncmp(dot, "digraph \"", 9) == 0);
    int depth = 0, brackets = 0;
    bool quoted = false;
    for (const char *c = dot; *c; c++) {
        if (quoted) {
            if (*c == '\\' && c[1])
                c++;
            else if (*c == '"')
                quoted = false;
            continue;
        }
        depth += (*c == '{') - (*c == '}');
        brackets += (*c == '[') - (*c == ']');
        quoted = *c == '"';
        assert_true(depth >= 0 && brackets >= 0);
    }
    assert_false(quoted);
    assert_int_equal(depth, 0);
    assert_int_equal(brackets, 0);

    static char declared[4096][32];
    int n_declared = 0, n_edges = 0;
    for (const char *line = strchr(dot, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, "}\n", 2) == 0 || strncmp(line, "  node [", 8) == 0 ||
            strncmp(line, "  edge [", 8) == 0 || strncmp(line, "  label=", 8) == 0)
            continue;
        assert_true(strncmp(line, "  ", 2) == 0);
        char from[32], to[32];
        const char *rest = read_dot_name(line + 2, from, sizeof from);
        assert_true(from[0] != '\0');
        if (strncmp(rest, " -> ", 4) == 0) {
            read_dot_name(rest + 4, to, sizeof to);
            if (!dot_name_declared(declared, n_declared, from) ||
                !dot_name_declared(declared, n_declared, to))
                print_error("edge %s -> %s has an undeclared endpoint\n", from, to);
            assert_true(dot_name_declared(declared, n_declared, from));
            assert_true(dot_name_declared(declared, n_declared, to));
            n_edges++;
        } else {
            assert_true(strncmp(rest, " [label=\"", 9) == 0);
            assert_false(dot_name_declared(declared, n_declared, from));
            assert_true(n_declared < 4096);
            snprintf(declared[n_declared++], sizeof declared[0], "%s", from);
        }
    }
    return n_edges;
}

static void test_cli_ir_dot_valid_stable(void **state)
{
    char model[1024], err[4096];
    static char dot[1 << 18], again[1 << 18];
    mnist_path(model, sizeof model, "model.onnx");
    const char *args[] = {"ir", model, "-t", "pcm-current", "--dot", NULL};
    assert_int_equal(run_aimcc(args, dot, sizeof dot, err, sizeof err), CLI_EXIT_OK);
    assert_true(check_dot_structure(dot) > 0);
    assert_int_equal(run_aimcc(args, again, sizeof again, err, sizeof err), CLI_EXIT_OK);
    assert_string_equal(again, dot);

    /* The model has two Conv nodes and one MatMul, each one linear op on a
     * pcm tile of the current domain; one graph input and one graph output. */
    assert_int_equal(count_occurrences(dot, "[label=\"linear \\\""), 3);
    assert_int_equal(count_occurrences(dot, "kind pcm (current)\\n1 block on 1 tile: @t0"), 3);
    assert_non_null(strstr(dot, "linear \\\"Times212\\\" (MatMul)\\n%21 : f32[N,10]"));
    assert_int_equal(count_occurrences(dot, "shape=invhouse"), 1);
    assert_int_equal(count_occurrences(dot, "shape=house"), 1);
    assert_non_null(strstr(dot, "input 0 %0 $Input3\\nf32[N,1,28,28]"));
    assert_null(strstr(dot, "0x"));

    /* Before select-domain, linear ops carry no kind. */
    const char *import_args[] = {"ir", model, "--after", "canonicalize", "--dot", NULL};
    assert_int_equal(run_aimcc(import_args, dot, sizeof dot, err, sizeof err), CLI_EXIT_OK);
    const int n_edges = check_dot_structure(dot);
    assert_null(strstr(dot, "kind pcm"));

    /* A parsed dump prints the same edges. */
    char dump_path[512];
    scratch_path(dump_path, sizeof dump_path, "dot.ir");
    const char *dump_args[] = {"ir", model, "--after", "canonicalize", "--dump-weights", NULL};
    assert_int_equal(run_aimcc(dump_args, again, sizeof again, err, sizeof err), CLI_EXIT_OK);
    FILE *file = fopen(dump_path, "w");
    assert_non_null(file);
    fputs(again, file);
    assert_int_equal(fclose(file), 0);
    const char *parse_args[] = {"ir", "--parse", dump_path, "--dot", NULL};
    assert_int_equal(run_aimcc(parse_args, again, sizeof again, err, sizeof err), CLI_EXIT_OK);
    assert_int_equal(check_dot_structure(again), n_edges);
}

/* Returns the member of an object, failing the test when it is absent. */
static const cJSON *member(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!item)
        print_error("missing member \"%s\"\n", name);
    assert_non_null(item);
    return item;
}

static double number(const cJSON *object, const char *name)
{
    const cJSON *item = member(object, name);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

/* Compiles MNIST on pcm-current with --report; fills program and report paths. */
static cJSON *compile_mnist_report(char *program, char *report, size_t size)
{
    char model[1024], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(program, size, "mnist-pcm.aimc");
    scratch_path(report, size, "mnist-pcm.json");
    const char *args[] = {"compile", model, "-t", "pcm-current", "-o", program, "--report",
                          report, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    aimcc_ctx *ctx = aimcc_ctx_create();
    char *text = NULL;
    size_t length = 0;
    assert_int_equal(cli_read_file(ctx, report, &text, &length), AIMCC_OK);
    aimcc_ctx_destroy(ctx);
    cJSON *json = cJSON_Parse(text);
    free(text);
    assert_non_null(json);
    return json;
}

/* The Conv weights 8x1x5x5 and 16x8x5x5 and the MatMul weights 256x10 of the
 * model, as K x N matrices (K = C * kh * kw inputs). */
static const double mnist_weight_shapes[3][2] = {{25, 8}, {200, 16}, {256, 10}};

static void test_cli_report_matches_inspect(void **state)
{
    char program[512], report_path[512], err[4096];
    static char out[1 << 17];
    cJSON *report = compile_mnist_report(program, report_path, sizeof program);
    const char *inspect_args[] = {"inspect", program, "--json", NULL};
    assert_int_equal(run_aimcc(inspect_args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);
    cJSON *inspect = cJSON_Parse(out);
    assert_non_null(inspect);

    assert_string_equal(member(report, "target")->valuestring, "pcm-current");
    /* One kind: the total energy is the sum of the layers' energies. */
    const cJSON *estimates = member(report, "estimates");
    double layer_energy_pj = 0.0;
    const cJSON *costed = NULL;
    cJSON_ArrayForEach(costed, member(estimates, "layers"))
        layer_energy_pj += number(costed, "energy_pj");
    assert_true(layer_energy_pj > 0.0);
    assert_float_equal(number(member(estimates, "total"), "energy_pj"), layer_energy_pj,
                       1e-9 * layer_energy_pj);
    const cJSON *layers = member(report, "layers");
    const cJSON *inspected = member(inspect, "layers");
    assert_int_equal(cJSON_GetArraySize(layers), 3);
    assert_int_equal(cJSON_GetArraySize(inspected), 3);
    for (int i = 0; i < 3; i++) {
        const cJSON *layer = cJSON_GetArrayItem(layers, i);
        const cJSON *expected = cJSON_GetArrayItem(inspected, i);
        assert_string_equal(member(layer, "node")->valuestring,
                            member(expected, "node")->valuestring);
        const cJSON *shape = member(layer, "weight_shape");
        assert_true(cJSON_GetArrayItem(shape, 0)->valuedouble == mnist_weight_shapes[i][0]);
        assert_true(cJSON_GetArrayItem(shape, 1)->valuedouble == mnist_weight_shapes[i][1]);
        assert_string_equal(member(layer, "kind")->valuestring, "pcm");
        assert_string_equal(member(layer, "domain")->valuestring, "current");
        assert_string_equal(member(layer, "kind_reason")->valuestring, "only kind");
        static const char *const counts[] = {"tiles", "blocks", "cells_used", "cells_available"};
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
            assert_true(number(layer, counts[c]) == number(expected, counts[c]));
        assert_float_equal(number(layer, "utilization"), number(expected, "utilization"), 1e-6);

        /* One differential pair per 8-bit weight: 2 cells each. */
        assert_true(number(layer, "cells_used") ==
                    2 * mnist_weight_shapes[i][0] * mnist_weight_shapes[i][1]);
    }

    const cJSON *tiles = member(inspect, "tiles");
    const cJSON *total = member(report, "total");
    assert_true(number(total, "tiles_used") == number(tiles, "used"));
    assert_true(number(total, "cells_used") == number(tiles, "cells_used"));
    assert_true(number(total, "cells_total") == number(tiles, "cells_total"));
    assert_float_equal(number(total, "utilization"), number(tiles, "utilization"), 1e-6);
    assert_true(number(total, "tiles_budget") == 256);

    /* The preset's one kind: 512x512 tiles, 8-bit weights, cells, inputs and ADC. */
    const cJSON *kind = cJSON_GetArrayItem(member(report, "kinds"), 0);
    const cJSON *inspected_kind = cJSON_GetArrayItem(member(tiles, "kinds"), 0);
    assert_non_null(kind);
    assert_true(number(kind, "tiles_used") == number(inspected_kind, "tiles"));
    assert_true(number(kind, "cells_used") == number(inspected_kind, "cells_used"));
    assert_float_equal(number(kind, "utilization"), number(inspected_kind, "utilization"), 1e-6);
    static const char *const bits[] = {"weight_bits", "cell_bits", "input_bits", "adc_bits"};
    for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
        assert_true(number(kind, bits[b]) == 8);
    assert_true(number(kind, "rows") == 512 && number(kind, "cols") == 512);
    cJSON_Delete(inspect);
    cJSON_Delete(report);
}

static void test_cli_report_write_error(void **state)
{
    char model[1024], program[512], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(program, sizeof program, "report-error.aimc");
    const char *args[] = {"compile", model, "-o", program, "--report",
                          "/nonexistent/dir/r.json", NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_error_names(err, "/nonexistent/dir/r.json: cannot create a temporary file");
    assert_null(strstr(err, model));
    assert_false(test_path_exists(program));
}

/* Writes text to a file in the scratch folder; fills path. */
static void write_scratch_file(char *path, size_t size, const char *name, const char *text)
{
    scratch_path(path, size, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

/* Reads up to size bytes of a file's start; returns the count read. */
static size_t read_head(const char *path, unsigned char *buf, size_t size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    const size_t n = fread(buf, 1, size, file);
    fclose(file);
    return n;
}

/* Asserts that no temporary file of an atomic write is left in the scratch folder. */
static void assert_no_temp_files(void)
{
    char *argv[] = {"sh", "-c", NULL, NULL};
    char command[600];
    snprintf(command, sizeof command, "! ls '%s' | grep -q '\\.tmp-'", scratch);
    argv[2] = command;
    pid_t pid;
    int status = 0;
    assert_int_equal(posix_spawnp(&pid, "sh", NULL, NULL, argv, environ), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_cli_plot_png_and_svg(void **state)
{
    char a[512], b[512], report[512], png[512], svg[512], err[4096];
    write_scratch_file(a, sizeof a, "seed-1.json",
                       "{\"top1\": 0.98, \"top1_std\": 0.004, \"samples\": 100}");
    write_scratch_file(b, sizeof b, "seed-2.json",
                       "{\"top1\": 0.95, \"top1_std\": 0.0, \"samples\": 100}");
    write_scratch_file(report, sizeof report, "small-report.json",
                       "{\"layers\": [{\"node\": \"fc1\", \"utilization\": 0.5},"
                       " {\"node\": \"fc#2\", \"utilization\": 0.25}],"
                       " \"total\": {\"utilization\": 0.375}}");
    scratch_path(png, sizeof png, "accuracy.png");
    scratch_path(svg, sizeof svg, "utilization.svg");

    const char *accuracy_args[] = {"plot", "accuracy", a, b, "-o", png, NULL};
    assert_int_equal(run_aimcc(accuracy_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    unsigned char head[64] = {0};
    assert_int_equal(read_head(png, head, 8), 8);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n", 8);

    const char *utilization_args[] = {"plot", "utilization", report, "-o", svg, NULL};
    assert_int_equal(run_aimcc(utilization_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    const size_t n = read_head(svg, head, sizeof head - 1);
    assert_true(n > 5);
    assert_true(strncmp((const char *)head, "<?xml", 5) == 0 ||
                strncmp((const char *)head, "<svg", 4) == 0);

    /* The other way round: utilization as PNG, accuracy as SVG. */
    const char *swapped_args[] = {"plot", "utilization", report, "-o", png, NULL};
    assert_int_equal(run_aimcc(swapped_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_int_equal(read_head(png, head, 8), 8);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n", 8);
    const char *accuracy_svg_args[] = {"plot", "accuracy", a, "-o", svg, NULL};
    assert_int_equal(run_aimcc(accuracy_svg_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_true(read_head(svg, head, 5) == 5 && strncmp((const char *)head, "<?xml", 5) == 0);
    assert_no_temp_files();
}

typedef struct plot_error_case {
    const char *kind;
    const char *name;
    const char *text;
    const char *message;
} plot_error_case;

static void test_cli_plot_bad_json_names_field(void **state)
{
    static const plot_error_case cases[] = {
        {"accuracy", "no-std.json", "{\"top1\": 0.9}", "missing the member \"top1_std\""},
        {"accuracy", "no-top1.json", "{\"top1_std\": 0.1}", "missing the member \"top1\""},
        {"accuracy", "range.json", "{\"top1\": 1.5, \"top1_std\": 0}",
         "the member \"top1\" must be a number from 0 to 1"},
        {"accuracy", "broken.json", "{\"top1\": ", "invalid JSON"},
        {"accuracy", "array.json", "[1, 2]", "not an object"},
        {"utilization", "no-layers.json", "{\"total\": {}}", "missing the array member \"layers\""},
        {"utilization", "no-util.json",
         "{\"layers\": [{\"node\": \"a\", \"utilization\": 0.5}, {\"node\": \"b\"}]}",
         "missing the member \"layers[1].utilization\""},
        {"utilization", "no-node.json", "{\"layers\": [{\"utilization\": 0.5}]}",
         "missing the string member \"layers[0].node\""},
    };
    char input[512], figure[512], err[4096];
    scratch_path(figure, sizeof figure, "never.png");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_scratch_file(input, sizeof input, cases[i].name, cases[i].text);
        const char *args[] = {"plot", cases[i].kind, input, "-o", figure, NULL};
        const int status = run_aimcc(args, NULL, 0, err, sizeof err);
        if (status != CLI_EXIT_INPUT)
            print_error("case %zu: exit status %d, stderr \"%s\"\n", i, status, err);
        assert_int_equal(status, CLI_EXIT_INPUT);
        assert_error_names(err, input);
        assert_error_names(err, cases[i].message);
        assert_false(test_path_exists(figure));
    }
    assert_no_temp_files();
}

/* ---- messages about --calib, --set and sample shapes ---- */

/* Writes the inputs of MNIST cases 0 and 1 to path as f32 samples of the
 * given shape (first axis = samples); each contains the 784 pixels in C order. */
static void write_mnist_samples(const char *path, int rank, const int64_t *dims)
{
    static float pixels[2][784];
    for (int k = 0; k < 2; k++) {
        test_tensor input, output;
        read_mnist_case(k, &input, &output);
        assert_int_equal(test_tensor_count(&input.tensor), 784);
        memcpy(pixels[k], input.tensor.data, sizeof pixels[k]);
        test_tensor_free(&input);
        test_tensor_free(&output);
    }
    aimrt_tensor x = {AIMRT_DTYPE_FLOAT, rank, {0}, pixels};
    memcpy(x.dims, dims, (size_t)rank * sizeof *dims);
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, path, &x), AIMCC_OK);
    aimcc_ctx_destroy(ctx);
}

static void test_cli_set_error_names_target(void **state)
{
    char model[1024], target[1024], calib[512], output[512], err[4096], expected[4096];
    mnist_path(model, sizeof model, "model.onnx");
    test_source_path(target, sizeof target, "targets/sram-charge.json");
    scratch_path(calib, sizeof calib, "calib_set.npy");
    scratch_path(output, sizeof output, "set_error.aimc");
    write_mnist_samples(calib, 4, (const int64_t[]){2, 1, 28, 28});

    /* The line names the target file and the --set argument, not the --calib file. */
    const char *args[] = {"compile", model, "-t", target, "--calib", calib,
                          "--set", "adc.bits=banana", "-o", output, NULL};
    assert_int_equal(run_aimcc(args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    snprintf(expected, sizeof expected,
             "aimcc: error: [target] %s: --set adc.bits=banana: invalid value for key "
             "\"adc.bits\"; allowed: an integer from 1 to 16.\n",
             target);
    assert_string_equal(err, expected);
    assert_null(strstr(err, calib));
    assert_false(test_path_exists(output));
}

static void test_cli_missing_data_names_option(void **state)
{
    char model[1024], program[512], labels[512], output[512], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(output, sizeof output, "missing_calib.aimc");
    const char *compile_args[] = {"compile", model, "--calib", "/nonexistent/x.npy", "-o",
                                  output, NULL};
    assert_int_equal(run_aimcc(compile_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_string_equal(err, "aimcc: error: /nonexistent/x.npy: the --calib file was not found; "
                             "check the path\n");
    assert_false(test_path_exists(output));

    compile_mnist(program, sizeof program);
    scratch_path(labels, sizeof labels, "missing_x_labels.npy");
    const int64_t label_values[2] = {0, 1};
    const aimrt_tensor y = {AIMRT_DTYPE_INT64, 1, {2}, (void *)label_values};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, labels, &y), AIMCC_OK);
    aimcc_ctx_destroy(ctx);
    const char *eval_args[] = {"eval", program, "--inputs", "/nonexistent/x.npy", "--labels",
                               labels, NULL};
    assert_int_equal(run_aimcc(eval_args, NULL, 0, err, sizeof err), CLI_EXIT_INPUT);
    assert_string_equal(err, "aimcc: error: /nonexistent/x.npy: the --inputs file was not "
                             "found; check the path\n");
}

/* A calibration value that is not finite stops the compile before any run,
 * naming the file, the value's index and its sample. */
static void test_cli_calib_nan_rejected(void **state)
{
    (void)state;
    char model[1024], calib[512], output[512], err[4096];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(calib, sizeof calib, "nan_calib.npy");
    scratch_path(output, sizeof output, "nan_calib.aimc");
    float values[2 * 28 * 28];
    for (int i = 0; i < 2 * 28 * 28; i++)
        values[i] = (float)(i % 256);
    values[28 * 28 + 5] = NAN;
    const aimrt_tensor x = {AIMRT_DTYPE_FLOAT, 3, {2, 28, 28}, values};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, calib, &x), AIMCC_OK);
    aimcc_ctx_destroy(ctx);

    const char *args[] = {"compile", model, "-t", "rram-resdiv", "--calib", calib, "-o", output,
                          NULL};
    assert_int_not_equal(run_aimcc(args, NULL, 0, err, sizeof err), 0);
    char expected[1024];
    snprintf(expected, sizeof expected,
             "aimcc: error: %s: calibration value 789 (sample 1) is nan after --scale and "
             "--shift; give finite values\n",
             calib);
    assert_string_equal(err, expected);
    assert_false(test_path_exists(output));
}

typedef struct layout_case {
    int rank;
    int64_t dims[4];
    int input_rank;
    int64_t input_dims[4];
    bool fits;
} layout_case;

static void test_sample_shape_fits_rule(void **state)
{
    /* Per-sample shapes, worked out by hand against the rule: flat on either
     * side, or equal once the size-1 axes are dropped. */
    static const layout_case cases[] = {
        {1, {784}, 3, {1, 28, 28}, true},         /* flat export */
        {2, {1, 784}, 3, {1, 28, 28}, true},      /* flat with a unit axis */
        {3, {28, 28, 1}, 3, {1, 28, 28}, true},   /* only the unit axis moves */
        {2, {28, 28}, 3, {1, 28, 28}, true},      /* unit axis dropped */
        {3, {1, 28, 28}, 3, {1, 28, 28}, true},   /* the same shape */
        {2, {28, 28}, 1, {784}, true},            /* a flat input */
        {0, {0}, 1, {1}, true},                   /* scalar samples */
        {2, {14, 56}, 3, {1, 28, 28}, false},     /* another split of 784 */
        {3, {32, 32, 3}, 3, {3, 32, 32}, false},  /* NHWC for NCHW */
        {3, {28, 1, 28}, 3, {28, 28, 1}, true},   /* unit axes anywhere */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const layout_case *c = &cases[i];
        const bool fits = cli_sample_shape_fits(c->rank, c->dims, c->input_rank, c->input_dims);
        if (fits != c->fits)
            print_error("case %zu: fits %d, expected %d\n", i, fits, c->fits);
        assert_int_equal(fits, c->fits);
    }
}

/* Returns the count of lines in text that start with "aimcc: warning: " and contain needle. */
static int count_warnings(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        const size_t length = end ? (size_t)(end - line) : strlen(line);
        const char *found = strstr(line, needle);
        if (strncmp(line, "aimcc: warning: ", 16) == 0 && found && found < line + length)
            n++;
        line = end ? end + 1 : NULL;
    }
    return n;
}

static void test_cli_sample_layout_warning(void **state)
{
    char model[1024], program[512], calib_program[512], labels[512], odd[512], flat[512];
    char nhwc[512], err[4096], expected[1024];
    mnist_path(model, sizeof model, "model.onnx");
    compile_mnist(program, sizeof program);
    scratch_path(calib_program, sizeof calib_program, "layout.aimc");
    scratch_path(labels, sizeof labels, "layout_labels.npy");
    scratch_path(odd, sizeof odd, "layout_14x56.npy");
    scratch_path(flat, sizeof flat, "layout_flat.npy");
    scratch_path(nhwc, sizeof nhwc, "layout_nhwc.npy");
    write_mnist_samples(odd, 3, (const int64_t[]){2, 14, 56});
    write_mnist_samples(flat, 2, (const int64_t[]){2, 784});
    write_mnist_samples(nhwc, 4, (const int64_t[]){2, 28, 28, 1});
    const int64_t label_values[2] = {0, 1};
    const aimrt_tensor y = {AIMRT_DTYPE_INT64, 1, {2}, (void *)label_values};
    aimcc_ctx *ctx = aimcc_ctx_create();
    assert_int_equal(cli_npy_write(ctx, labels, &y), AIMCC_OK);
    aimcc_ctx_destroy(ctx);

    /* [2,14,56] for the input f32[batch,1,28,28]: one warning with both shapes. */
    snprintf(expected, sizeof expected,
             "%s: a sample has shape f32[14,56] but graph input \"Input3\" takes f32[1,28,28] "
             "per sample; the values are read in C order as f32[1,28,28], not transposed",
             odd);
    const char *compile_args[] = {"compile", model, "-t", "sram-charge", "--calib", odd, "-o",
                                  calib_program, NULL};
    assert_int_equal(run_aimcc(compile_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    if (count_warnings(err, expected) != 1)
        print_error("stderr \"%s\" lacks one \"%s\"\n", err, expected);
    assert_int_equal(count_warnings(err, expected), 1);
    const char *eval_args[] = {"eval", program, "--inputs", odd, "--labels", labels, NULL};
    assert_int_equal(run_aimcc(eval_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_int_equal(count_warnings(err, expected), 1);

    /* A flat export and channels-last with one channel are read without a warning. */
    const char *fine[2] = {flat, nhwc};
    for (int i = 0; i < 2; i++) {
        const char *calib_args[] = {"compile", model, "-t", "sram-charge", "--calib", fine[i],
                                    "-o", calib_program, NULL};
        assert_int_equal(run_aimcc(calib_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
        assert_int_equal(count_warnings(err, "a sample has shape"), 0);
        const char *fine_eval_args[] = {"eval", program, "--inputs", fine[i], "--labels", labels,
                                        NULL};
        assert_int_equal(run_aimcc(fine_eval_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
        assert_int_equal(count_warnings(err, "a sample has shape"), 0);
    }
}

static void test_cli_inspect_dimensionless_params(void **state)
{
    char model[1024], program[512], err[4096];
    static char out[1 << 16];
    mnist_path(model, sizeof model, "model.onnx");
    scratch_path(program, sizeof program, "capdiv.aimc");
    const char *compile_args[] = {"compile", model, "-t", "sram-capdiv", "-o", program, NULL};
    assert_int_equal(run_aimcc(compile_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    const char *args[] = {"inspect", program, NULL};
    assert_int_equal(run_aimcc(args, out, sizeof out, err, sizeof err), CLI_EXIT_OK);

    /* targets/sram-capdiv.json gives p_sa0 0, parasitic_spread 0.03 and adc_share 1
     * with unit "1", and temperature 300 K. */
    assert_non_null(strstr(out, "\n    device.faults.p_sa0 = 0\n"));
    assert_non_null(strstr(out, "\n    circuit.capacitors.parasitic_spread = 0.03\n"));
    assert_non_null(strstr(out, "\n    cost.adc_share = 1\n"));
    assert_non_null(strstr(out, "\n    circuit.temperature = 300 K\n"));
    assert_null(strstr(out, " = 0 1\n"));
}

/* Returns the height attribute of an SVG file written by cairo, in points. */
static double svg_height(const char *path)
{
    char head[1024] = {0};
    read_head(path, (unsigned char *)head, sizeof head - 1);
    const char *height = strstr(head, "height=\"");
    assert_non_null(height);
    return strtod(height + strlen("height=\""), NULL);
}

static void test_cli_plot_long_labels_fit(void **state)
{
    char short_report[512], long_report[512], svg[512], err[4096];
    write_scratch_file(short_report, sizeof short_report, "short-labels.json",
                       "{\"layers\": [{\"node\": \"fc1\", \"utilization\": 0.5}]}");
    write_scratch_file(long_report, sizeof long_report, "long-labels.json",
                       "{\"layers\": [{\"node\": \"/res3/res3.0/downsample/downsample.0/Conv\","
                       " \"utilization\": 0.5}, {\"node\": \"/encoder/layers.11/self_attention/"
                       "query_projection/MatMul/quantized/with/a/very/long/name/indeed\","
                       " \"utilization\": 0.25}]}");
    scratch_path(svg, sizeof svg, "labels.svg");

    /* Short labels fit under the axis of the 960 x 640 page. */
    const char *short_args[] = {"plot", "utilization", short_report, "-o", svg, NULL};
    assert_int_equal(run_aimcc(short_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    assert_true(svg_height(svg) == 640.0);

    /* Long ones make the page taller, up to 960, instead of running off its bottom. */
    const char *long_args[] = {"plot", "utilization", long_report, "-o", svg, NULL};
    assert_int_equal(run_aimcc(long_args, NULL, 0, err, sizeof err), CLI_EXIT_OK);
    const double height = svg_height(svg);
    if (!(height > 640.0 && height <= 960.0))
        print_error("page height %g\n", height);
    assert_true(height > 640.0 && height <= 960.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_decode_valid_arrays),
        cmocka_unit_test(test_npy_decode_version_two),
        cmocka_unit_test(test_npy_decode_corrupt_headers),
        cmocka_unit_test(test_npy_decode_broken_prefix),
        cmocka_unit_test(test_npy_write_read_roundtrip),
        cmocka_unit_test(test_npy_read_missing_file),
        cmocka_unit_test(test_convert_rounds_half_even),
        cmocka_unit_test(test_cli_usage_errors_exit_two),
        cmocka_unit_test(test_cli_missing_files_exit_one),
        cmocka_unit_test(test_cli_help_options_documented),
        cmocka_unit_test(test_cli_targets_lists_float),
        cmocka_unit_test(test_cli_mnist_run_matches_reference),
        cmocka_unit_test(test_cli_run_npy_batch),
        cmocka_unit_test(test_cli_run_rejects_wrong_dtype),
        cmocka_unit_test(test_cli_eval_reference_labels),
        cmocka_unit_test(test_cli_eval_label_count_mismatch),
        cmocka_unit_test(test_cli_eval_fixed_batch_padding),
        cmocka_unit_test(test_cli_ir_parse_roundtrip),
        cmocka_unit_test(test_cli_inspect_compiled_program),
        cmocka_unit_test(test_cli_model_errors_name_file_once),
        cmocka_unit_test(test_cli_output_errors_name_path),
        cmocka_unit_test(test_cli_messages_count_singular),
        cmocka_unit_test(test_cli_ir_parse_error_file_first),
        cmocka_unit_test(test_cli_verbose_help_per_command),
        cmocka_unit_test(test_cli_short_option_inline_value),
        cmocka_unit_test(test_cli_dim_checks_every_value),
        cmocka_unit_test(test_cli_ir_dot_valid_stable),
        cmocka_unit_test(test_cli_report_matches_inspect),
        cmocka_unit_test(test_cli_report_write_error),
        cmocka_unit_test(test_cli_plot_png_and_svg),
        cmocka_unit_test(test_cli_plot_bad_json_names_field),
        cmocka_unit_test(test_cli_set_error_names_target),
        cmocka_unit_test(test_cli_missing_data_names_option),
        cmocka_unit_test(test_cli_calib_nan_rejected),
        cmocka_unit_test(test_sample_shape_fits_rule),
        cmocka_unit_test(test_cli_sample_layout_warning),
        cmocka_unit_test(test_cli_inspect_dimensionless_params),
        cmocka_unit_test(test_cli_plot_long_labels_fit),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
