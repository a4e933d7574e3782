/* SPDX-License-Identifier: MIT */
/*
 * The pass pipeline: the passes in order, and the driver that runs them on a
 * module. Before each pass it checks the properties the pass requires; after
 * it, it verifies the IR on request, logs the time and writes dumps.
 */
#include "ir/temp_file.h"
#include "passes/pass.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const aimcc_pass *const aimcc_pipeline[] = {
    &aimcc_pass_canonicalize,
    &aimcc_pass_select_domain,
    &aimcc_pass_quantize,
    &aimcc_pass_map,
    &aimcc_pass_bit_slice,
    &aimcc_pass_encode,
    &aimcc_pass_calibrate,
    &aimcc_pass_schedule,
    NULL,
};

const aimcc_pass *aimcc_pass_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (int i = 0; aimcc_pipeline[i] != NULL; i++)
        if (strcmp(aimcc_pipeline[i]->name, name) == 0)
            return aimcc_pipeline[i];
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Writes the dump to DIR/NN-NAME.ir through a temporary file and a rename, so
 * a reader never sees half a dump. */
static aimcc_status write_dump(aimcc_ctx *ctx, const aimcc_module *module,
                               const aimcc_options *options, int index, const char *name)
{
    const char *dir = options->dump_dir != NULL ? options->dump_dir : ".";
    char path[4096];
    char temp[4096];
    const int n = snprintf(path, sizeof(path), "%s/%02d-%s.ir", dir, index, name);
    const int m = snprintf(temp, sizeof(temp), "%s/.%02d-%s.ir.XXXXXX", dir, index, name);
    if (n < 0 || m < 0 || (size_t)n >= sizeof(path) || (size_t)m >= sizeof(temp))
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "dump folder path is too long (%zu characters); use a shorter "
                          "--dump-dir",
                          strlen(dir));

    const int fd = aimcc_temp_file_create(temp);
    if (fd < 0)
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "cannot create a dump file in %s: %s. Check that --dump-dir exists "
                          "and is writable.",
                          dir, strerror(errno));
    FILE *file = fdopen(fd, "w");
    if (file == NULL) {
        close(fd);
        unlink(temp);
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot write %s: %s", temp,
                          strerror(errno));
    }
    aimcc_status status = aimcc_ir_print(ctx, module, file, options->dump_weights);
    const bool write_failed = ferror(file) != 0;
    if (fclose(file) != 0 || write_failed) {
        if (status == AIMCC_OK)
            status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot write %s: %s", path,
                                strerror(errno));
    }
    if (status == AIMCC_OK && rename(temp, path) != 0)
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot rename %s to %s: %s", temp,
                            path, strerror(errno));
    if (status != AIMCC_OK)
        unlink(temp);
    return status;
}

/* Checks that --dump-after and --stop-after name a pass. */
static aimcc_status check_pass_option(aimcc_ctx *ctx, const char *option, const char *name,
                                      bool allow_all)
{
    if (name == NULL || aimcc_pass_find(name) != NULL || strcmp(name, "import") == 0 ||
        (allow_all && strcmp(name, "all") == 0))
        return AIMCC_OK;
    char names[512];
    size_t used = 0;
    names[0] = '\0';
    for (int i = 0; aimcc_pipeline[i] != NULL && used < sizeof(names); i++)
        used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
                                 aimcc_pipeline[i]->name);
    return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "%s \"%s\" names no pass; allowed: %simport, %s", option, name,
                      allow_all ? "all, " : "", names);
}

/* Returns whether the IR verifier runs after each pass: on request, and
 * always in debug builds (those without NDEBUG). */
static bool verify_after_each_pass(const aimcc_options *options)
{
#ifdef NDEBUG
    return options->verify_each;
#else
    (void)options;
    return true;
#endif
}

/* Runs one pass with its checks, verification and timing. */
static aimcc_status run_pass(aimcc_ctx *ctx, aimcc_module *module, const aimcc_options *options,
                             const aimcc_pass *pass)
{
    aimcc_ctx_set_pass(ctx, pass->name);
    const uint32_t missing = pass->requires & ~module->properties;
    if (missing != 0)
        return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                          "pass %s requires module properties 0x%x that no earlier pass "
                          "provided (the module has 0x%x); run the passes in pipeline order",
                          pass->name, (unsigned)missing, (unsigned)module->properties);

    const double start = now_seconds();
    aimcc_status status = pass->run(module, ctx);
    const double seconds = now_seconds() - start;
    if (status != AIMCC_OK)
        return status;
    module->properties |= pass->provides;
    AIMCC_LOG(AIMCC_LOG_INFO, pass->name, NULL, "pass %s done in %.3f ms", pass->name,
              1e3 * seconds);

    if (verify_after_each_pass(options))
        status = aimcc_ir_verify(ctx, module);
    return status;
}

aimcc_status aimcc_pipeline_run(aimcc_ctx *ctx, aimcc_module *module, const aimcc_options *options)
{
    const aimcc_options defaults = {0};
    if (options == NULL)
        options = &defaults;
    aimcc_status status = check_pass_option(ctx, "--dump-after", options->dump_after, true);
    if (status == AIMCC_OK)
        status = check_pass_option(ctx, "--stop-after", options->stop_after, false);
    if (status != AIMCC_OK)
        return status;

    /* "import" names the module as the frontend made it, before the first pass. */
    const bool dump_all = options->dump_after != NULL && strcmp(options->dump_after, "all") == 0;
    if (dump_all || (options->dump_after != NULL && strcmp(options->dump_after, "import") == 0)) {
        aimcc_ctx_set_pass(ctx, "import");
        status = write_dump(ctx, module, options, 0, "import");
    }
    if (options->stop_after != NULL && strcmp(options->stop_after, "import") == 0)
        return status;
    /* The calibrate pass reads the calibration inputs from the options. */
    module->options = options;
    for (int i = 0; aimcc_pipeline[i] != NULL && status == AIMCC_OK; i++) {
        const aimcc_pass *pass = aimcc_pipeline[i];
        status = run_pass(ctx, module, options, pass);
        const bool dump_this = options->dump_after != NULL &&
                               (dump_all || strcmp(options->dump_after, pass->name) == 0);
        if (status == AIMCC_OK && dump_this)
            status = write_dump(ctx, module, options, i + 1, pass->name);
        if (options->stop_after != NULL && strcmp(options->stop_after, pass->name) == 0)
            break;
    }
    module->options = NULL;
    return status;
}

aimcc_status aimcc_pipeline_run_after(aimcc_ctx *ctx, aimcc_module *module,
                                      const aimcc_options *options, const char *after)
{
    int first = 0;
    while (aimcc_pipeline[first] != NULL && strcmp(aimcc_pipeline[first]->name, after) != 0)
        first++;
    if (aimcc_pipeline[first] == NULL)
        return aimcc_fail(ctx, AIMCC_ERR_INTERNAL, NULL, NULL, "no pass is named \"%s\"", after);
    const aimcc_options *saved = module->options;
    module->options = options;
    aimcc_status status = AIMCC_OK;
    for (int i = first + 1; aimcc_pipeline[i] != NULL && status == AIMCC_OK; i++)
        status = run_pass(ctx, module, options, aimcc_pipeline[i]);
    module->options = saved;
    return status;
}
