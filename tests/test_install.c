/* SPDX-License-Identifier: MIT */
/*
 * Tests of the installed package. This build is installed with `cmake
 * --install` into a temporary prefix, and the installed aimcc compiles the
 * MNIST CNN. A small program that embeds libaimrt (tests/install/embed.c) is
 * built once with pkg-config and once as a CMake project with
 * find_package(aimcc), and each must classify test_data_set_0 as its
 * reference output does.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aimcc/aimcc.h"
#include "frontend/onnx_import.h"
#include "ir/arena.h"
#include "test_support.h"

/* Compiler flags the embedding programs need to link against this build's libraries. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZE_FLAGS "-fsanitize=address,undefined"
#else
#define SANITIZE_FLAGS ""
#endif

/* State shared by the tests, made once by the group setup. */
static struct {
    char root[64];          /* the mkdtemp folder */
    char prefix[128];       /* install prefix under root */
    char pkgconfig_dir[512]; /* folder of the installed aimrt.pc */
    char program[256];      /* MNIST compiled by the installed aimcc */
    char input[256];        /* test_data_set_0's input as raw bytes */
    long expected;          /* argmax of test_data_set_0's reference output */
} fixture;

/* Runs a shell command and stores the first line it prints; returns its exit status. */
static int run_command(const char *command, char *line, size_t size)
{
    FILE *pipe = popen(command, "r");
    if (!pipe)
        return -1;
    if (line && size) {
        line[0] = '\0';
        if (fgets(line, (int)size, pipe))
            line[strcspn(line, "\n")] = '\0';
    }
    char discard[256];
    while (fgets(discard, sizeof discard, pipe))
        ;
    const int status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Reads a TensorProto file with the frontend's reader into *out, allocated in arena. */
static void read_tensor(aimcc_arena *arena, const char *relative, aimrt_tensor *out)
{
    char path[1024];
    test_source_path(path, sizeof path, relative);
    aimcc_ctx *ctx = aimcc_ctx_create();
    const char *name = NULL;
    const aimcc_status status = aimcc_onnx_read_tensor(ctx, arena, path, &name, out);
    if (status != AIMCC_OK)
        fail_msg("cannot read %s: %s", path, aimcc_ctx_diag(ctx)->message);
    aimcc_ctx_destroy(ctx);
}

/* Writes the reference input as raw bytes and stores the reference digit. */
static void prepare_reference(void)
{
    aimcc_arena *arena = aimcc_arena_create();
    aimrt_tensor input, output;
    read_tensor(arena, "models/mnist-cnn/test_data_set_0/input_0.pb", &input);
    read_tensor(arena, "models/mnist-cnn/test_data_set_0/output_0.pb", &output);

    int64_t n_in = 0, n_out = 0;
    const size_t in_size = aimrt_dtype_size(input.dtype);
    assert_true(aimrt_shape_count(input.rank, input.dims, in_size, &n_in));
    assert_true(aimrt_shape_count(output.rank, output.dims, sizeof(float), &n_out));
    assert_int_equal(output.dtype, AIMRT_DTYPE_FLOAT);
    assert_true(n_out > 0);

    FILE *file = fopen(fixture.input, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(input.data, in_size, (size_t)n_in, file), (size_t)n_in);
    assert_int_equal(fclose(file), 0);

    const float *scores = output.data;
    fixture.expected = 0;
    for (int64_t i = 1; i < n_out; i++) {
        if (scores[i] > scores[fixture.expected])
            fixture.expected = (long)i;
    }
    aimcc_arena_destroy(arena);
}

/* Finds the folder of the installed aimrt.pc: lib/pkgconfig or a multiarch lib folder. */
static int find_pkgconfig_dir(void)
{
    static const char *const patterns[] = {"%s/lib*/pkgconfig/aimrt.pc",
                                           "%s/lib*/*/pkgconfig/aimrt.pc"};
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        char pattern[256];
        snprintf(pattern, sizeof pattern, patterns[i], fixture.prefix);
        glob_t found;
        if (glob(pattern, 0, NULL, &found) == 0 && found.gl_pathc > 0) {
            snprintf(fixture.pkgconfig_dir, sizeof fixture.pkgconfig_dir, "%s",
                     found.gl_pathv[0]);
            *strrchr(fixture.pkgconfig_dir, '/') = '\0';
            globfree(&found);
            return 0;
        }
        globfree(&found);
    }
    return -1;
}

static int remove_prefix(void **state)
{
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", fixture.root);
    return run_command(command, NULL, 0) == 0 ? 0 : -1;
}

/* Installs this build and compiles MNIST with the installed aimcc; returns 0 on success. */
static int install_and_compile(void)
{
    snprintf(fixture.prefix, sizeof fixture.prefix, "%s/prefix", fixture.root);
    snprintf(fixture.program, sizeof fixture.program, "%s/mnist.aimc", fixture.root);
    snprintf(fixture.input, sizeof fixture.input, "%s/input_0.bin", fixture.root);

    char command[2048];
    snprintf(command, sizeof command, "cmake --install '%s' --prefix '%s' >/dev/null",
             AIMCC_BINARY_DIR, fixture.prefix);
    if (run_command(command, NULL, 0) != 0) {
        fprintf(stderr, "test_install: command failed: %s\n", command);
        return -1;
    }
    if (find_pkgconfig_dir() != 0) {
        fprintf(stderr, "test_install: aimrt.pc not found under %s after the install\n",
                fixture.prefix);
        return -1;
    }

    /* env -u: the installed command must find its libraries through its RPATH alone. */
    snprintf(command, sizeof command,
             "env -u LD_LIBRARY_PATH '%s/bin/aimcc' compile -q '%s/models/mnist-cnn/model.onnx' "
             "-t float -o '%s'",
             fixture.prefix, AIMCC_SOURCE_DIR, fixture.program);
    if (run_command(command, NULL, 0) != 0) {
        fprintf(stderr, "test_install: command failed: %s\n", command);
        return -1;
    }
    return 0;
}

/* Makes the prefix and the reference files; removes the folder again when that fails,
 * because cmocka runs no teardown after a failed group setup. */
static int install_package(void **state)
{
    snprintf(fixture.root, sizeof fixture.root, "/tmp/test_install.XXXXXX");
    if (!mkdtemp(fixture.root))
        return -1;
    if (install_and_compile() != 0) {
        remove_prefix(state);
        return -1;
    }
    prepare_reference();
    return 0;
}

/* Runs an embedding program on the reference input and checks the digit it prints. */
static void check_embed_digit(const char *embed)
{
    char command[1024];
    snprintf(command, sizeof command, "'%s' '%s' '%s'", embed, fixture.program, fixture.input);
    char line[64];
    assert_int_equal(run_command(command, line, sizeof line), 0);
    char *end = NULL;
    const long digit = strtol(line, &end, 10);
    if (end == line || *end != '\0')
        fail_msg("%s printed \"%s\", not a digit", embed, line);
    assert_int_equal(digit, fixture.expected);
}

static void test_install_layout_complete(void **state)
{
    static const char *const files[] = {
        "bin/aimcc",           "include/aimrt/aimrt.h",  "include/aimrt/device.h",
        "include/aimrt/tensor.h", "include/aimrt/ops.h", "include/aimcc/aimcc.h",
        "share/aimcc/targets/float.json",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", fixture.prefix, files[i]);
        if (!test_path_exists(path))
            fail_msg("missing after install: %s", path);
    }

    /* Both libraries, shared and static, and the CMake package, beside aimrt.pc's folder. */
    static const char *const libs[] = {"libaimrt.so", "libaimrt.a", "libaimcc.so", "libaimcc.a",
                                       "pkgconfig/aimcc.pc", "cmake/aimcc/aimccConfig.cmake"};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/../%s", fixture.pkgconfig_dir, libs[i]);
        if (!test_path_exists(path))
            fail_msg("missing after install: %s", path);
    }
}

static void test_install_command_relative_rpath(void **state)
{
    char command[1024], line[512];
    snprintf(command, sizeof command, "readelf -d '%s/bin/aimcc' | grep -E 'RUNPATH|RPATH'",
             fixture.prefix);
    assert_int_equal(run_command(command, line, sizeof line), 0);
    if (!strstr(line, "$ORIGIN"))
        fail_msg("installed aimcc has no $ORIGIN run path: %s", line);

    /* The version the command prints is the version pkg-config reports. */
    char version[64], modversion[64];
    snprintf(command, sizeof command, "env -u LD_LIBRARY_PATH '%s/bin/aimcc' --version",
             fixture.prefix);
    assert_int_equal(run_command(command, version, sizeof version), 0);
    const char *number = strrchr(version, ' ');
    assert_non_null(number);
    static const char *const modules[] = {"aimrt", "aimcc"};
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        snprintf(command, sizeof command, "PKG_CONFIG_PATH='%s' pkg-config --modversion %s",
                 fixture.pkgconfig_dir, modules[i]);
        assert_int_equal(run_command(command, modversion, sizeof modversion), 0);
        assert_string_equal(number + 1, modversion);
    }
}

/* The installed command reads its presets from the prefix, not from the source tree:
 * a preset that exists only in the prefix is listed. */
static void test_install_finds_prefix_presets(void **state)
{
    char command[2048], line[512];
    snprintf(command, sizeof command,
             "cp '%s/share/aimcc/targets/float.json' '%s/share/aimcc/targets/prefix-only.json'",
             fixture.prefix, fixture.prefix);
    assert_int_equal(run_command(command, NULL, 0), 0);

    snprintf(command, sizeof command,
             "env -u AIMCC_TARGETS_DIR -u LD_LIBRARY_PATH '%s/bin/aimcc' targets | grep -c "
             "'^prefix-only '",
             fixture.prefix);
    assert_int_equal(run_command(command, line, sizeof line), 0);
    assert_string_equal(line, "1");
}

static void test_install_pkg_config_embed(void **state)
{
    char embed[256], command[2048];
    snprintf(embed, sizeof embed, "%s/embed-pkg-config", fixture.root);
    snprintf(command, sizeof command,
             "export PKG_CONFIG_PATH='%s'; cc %s -o '%s' '%s/tests/install/embed.c' "
             "$(pkg-config --cflags --libs aimrt) "
             "-Wl,-rpath,\"$(pkg-config --variable=libdir aimrt)\"",
             fixture.pkgconfig_dir, SANITIZE_FLAGS, embed, AIMCC_SOURCE_DIR);
    assert_int_equal(run_command(command, NULL, 0), 0);
    check_embed_digit(embed);
}

static void test_install_pkg_config_compiler(void **state)
{
    char program[256], command[2048];
    snprintf(program, sizeof program, "%s/compiler-link", fixture.root);
    snprintf(command, sizeof command,
             "export PKG_CONFIG_PATH='%s'; cc %s -o '%s' "
             "'%s/tests/install/cmake-consumer/compiler_link.c' "
             "$(pkg-config --cflags --libs aimcc) "
             "-Wl,-rpath,\"$(pkg-config --variable=libdir aimcc)\"",
             fixture.pkgconfig_dir, SANITIZE_FLAGS, program, AIMCC_SOURCE_DIR);
    assert_int_equal(run_command(command, NULL, 0), 0);

    char line[64];
    snprintf(command, sizeof command, "'%s'", program);
    assert_int_equal(run_command(command, line, sizeof line), 0);
    assert_string_equal(line, aimcc_status_name(AIMCC_ERR_UNSUPPORTED));
}

static void test_install_cmake_package_embed(void **state)
{
    char build[256], command[2048];
    snprintf(build, sizeof build, "%s/consumer-build", fixture.root);
    snprintf(command, sizeof command,
             "cmake -S '%s/tests/install/cmake-consumer' -B '%s' -DCMAKE_PREFIX_PATH='%s' "
             "-DCMAKE_C_FLAGS='%s' >/dev/null && cmake --build '%s' >/dev/null",
             AIMCC_SOURCE_DIR, build, fixture.prefix, SANITIZE_FLAGS, build);
    assert_int_equal(run_command(command, NULL, 0), 0);

    char embed[1024];
    snprintf(embed, sizeof embed, "%s/embed", build);
    check_embed_digit(embed);
    snprintf(embed, sizeof embed, "%s/embed_static", build);
    check_embed_digit(embed);

    char line[64];
    snprintf(command, sizeof command, "'%s/compiler_link'", build);
    assert_int_equal(run_command(command, line, sizeof line), 0);
    assert_string_equal(line, aimcc_status_name(AIMCC_ERR_UNSUPPORTED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_layout_complete),
        cmocka_unit_test(test_install_command_relative_rpath),
        cmocka_unit_test(test_install_finds_prefix_presets),
        cmocka_unit_test(test_install_pkg_config_embed),
        cmocka_unit_test(test_install_pkg_config_compiler),
        cmocka_unit_test(test_install_cmake_package_embed),
    };
    return cmocka_run_group_tests(tests, install_package, remove_prefix);
}
