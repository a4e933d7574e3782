/* SPDX-License-Identifier: MIT */
/* Logging of both libraries: level filtering, the embedder callbacks, and repeat counting. */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#include "aimcc/aimcc.h"
#include "aimrt/log.h"

typedef struct captured {
    int count;
    int level;
    char pass[32];
    char node[64];
    char message[256];
} captured;

static void capture_compiler(aimcc_log_level level, const char *pass, const char *node,
                             const char *message, void *user)
{
    captured *seen = user;
    seen->count++;
    seen->level = (int)level;
    snprintf(seen->pass, sizeof seen->pass, "%s", pass ? pass : "");
    snprintf(seen->node, sizeof seen->node, "%s", node ? node : "");
    snprintf(seen->message, sizeof seen->message, "%s", message);
}

static void capture_runtime(aimrt_log_level level, const char *message, void *user)
{
    captured *seen = user;
    seen->count++;
    seen->level = (int)level;
    snprintf(seen->message, sizeof seen->message, "%s", message);
}

/* Counts how often the argument of a log call is evaluated. */
static int evaluated;
static int count_evaluation(void)
{
    return ++evaluated;
}

static void test_compiler_callback_gets_fields(void **state)
{
    captured seen = {0};
    aimcc_log_set_level(AIMCC_LOG_INFO);
    aimcc_log_set_callback(capture_compiler, &seen);

    AIMCC_LOG(AIMCC_LOG_INFO, "map", "conv1", "%d tiles", 3);

    aimcc_log_set_callback(NULL, NULL);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.level, AIMCC_LOG_INFO);
    assert_string_equal(seen.pass, "map");
    assert_string_equal(seen.node, "conv1");
    assert_string_equal(seen.message, "3 tiles");
}

static void test_compiler_level_skips_formatting(void **state)
{
    captured seen = {0};
    evaluated = 0;
    aimcc_log_set_level(AIMCC_LOG_WARN);
    aimcc_log_set_callback(capture_compiler, &seen);

    AIMCC_LOG(AIMCC_LOG_DEBUG, "map", NULL, "%d", count_evaluation());

    aimcc_log_set_callback(NULL, NULL);
    assert_int_equal(seen.count, 0);
    assert_int_equal(evaluated, 0);
}

static void test_runtime_callback_and_level(void **state)
{
    captured seen = {0};
    aimrt_log_set_callback(capture_runtime, &seen);
    aimrt_log_set_level(AIMRT_LOG_WARN);

    aimrt_log_write(AIMRT_LOG_INFO, "hidden %d", 1);
    assert_int_equal(seen.count, 0);
    assert_false(aimrt_log_enabled(AIMRT_LOG_INFO));

    aimrt_log_write(AIMRT_LOG_WARN, "shown %d", 2);
    aimrt_log_set_callback(NULL, NULL);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.level, AIMRT_LOG_WARN);
    assert_string_equal(seen.message, "shown 2");
}

static void test_diag_keeps_first_failure(void **state)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_ctx_set_file(ctx, "net.onnx");
    aimcc_ctx_set_pass(ctx, "map");

    assert_int_equal(aimcc_fail(ctx, AIMCC_ERR_CAPACITY, "fc1", "Gemm", "needs %d tiles", 9),
                     AIMCC_ERR_CAPACITY);
    assert_int_equal(aimcc_fail(ctx, AIMCC_ERR_INTERNAL, "fc2", "Gemm", "later"), AIMCC_ERR_INTERNAL);

    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    assert_int_equal(diag->status, AIMCC_ERR_CAPACITY);
    assert_int_equal(diag->n_later, 1);
    char line[512];
    aimcc_diag_format(diag, line, sizeof line);
    assert_string_equal(line, "net.onnx: [map] node \"fc1\" (Gemm): needs 9 tiles");
    aimcc_ctx_destroy(ctx);
}

static void test_diag_message_one_line(void **state)
{
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_fail(ctx, AIMCC_ERR_INVALID_MODEL, "a\nb", NULL, "first\nsecond");
    const aimcc_diag *diag = aimcc_ctx_diag(ctx);
    assert_null(strchr(diag->message, '\n'));
    assert_null(strchr(diag->node, '\n'));
    aimcc_ctx_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiler_callback_gets_fields),
        cmocka_unit_test(test_compiler_level_skips_formatting),
        cmocka_unit_test(test_runtime_callback_and_level),
        cmocka_unit_test(test_diag_keeps_first_failure),
        cmocka_unit_test(test_diag_message_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
