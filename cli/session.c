/* SPDX-License-Identifier: MIT */
/*
 * Loading a program and binding it to a device for run and eval. A new
 * device is created for every seed, because a device's static draws
 * (programming noise, faults) are made when its tiles are written.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_device_options_init(cli_device_options *options)
{
    options->device = CLI_DEFAULT_DEVICE;
    options->seed = 1;
    options->time_s = 0.0;
    options->limits = (aimrt_limits){0};
}

int cli_device_options_apply(const cli_command *command, cli_device_options *options, int id,
                             const char *value)
{
    switch (id) {
    case CLI_OPT_DEVICE:
        if (strcmp(value, "exact") != 0 && strcmp(value, "sim") != 0)
            return cli_usage_error(command, "option --device needs exact or sim, not \"%s\"",
                                   value);
        options->device = value;
        return -1;
    case CLI_OPT_SEED:
        return cli_parse_int(command, "--seed", value, 0, INT64_MAX, &options->seed)
                   ? -1
                   : CLI_EXIT_USAGE;
    case CLI_OPT_TIME:
        /* About 3e11 years: any finite time a study could ask for. */
        return cli_parse_double(command, "--time", value, 0.0, 1e19, &options->time_s)
                   ? -1
                   : CLI_EXIT_USAGE;
    default: {
        const int status = cli_limit_option_apply(command, &options->limits, id, value);
        if (status != -2)
            return status;
        return cli_usage_error(command, "internal error: option %d has no handler", id);
    }
    }
}

aimcc_status cli_session_load(aimcc_ctx *ctx, const char *path, const aimrt_limits *limits,
                              cli_session *out)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    aimrt_error error = {0};
    if (aimrt_program_load_file_limited(path, limits, &out->program, &error) != AIMRT_OK)
        return cli_fail_runtime(ctx, path, &error);

    const int32_t n_tiles = aimrt_program_n_tiles(out->program);
    out->tiles = calloc(n_tiles > 0 ? (size_t)n_tiles : 1, sizeof *out->tiles);
    if (!out->tiles) {
        aimcc_ctx_set_file(ctx, path);
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory for %d tiles",
                          (int)n_tiles);
    }
    aimrt_program_tiles(out->program, out->tiles);
    return AIMCC_OK;
}

/* Returns "sim" when every tile of the program contains integer levels, else
 * "exact", because sim has no model of float tiles and a program without
 * tiles has nothing to simulate. */
static const char *default_device(const cli_session *session)
{
    const int32_t n_tiles = aimrt_program_n_tiles(session->program);
    for (int32_t i = 0; i < n_tiles; i++)
        if (session->tiles[i].cell_bits == 0)
            return "exact";
    return n_tiles > 0 ? "sim" : "exact";
}

/* Frees the device and session, keeping the program. */
static void end_device(cli_session *session)
{
    if (session->session)
        aimrt_session_free(session->session);
    session->session = NULL;
    if (session->device) {
        session->device->destroy(session->device->state);
        aimrt_device_free(session->device);
        session->device = NULL;
    }
}

aimcc_status cli_session_start(aimcc_ctx *ctx, cli_session *session,
                               const cli_device_options *options, int64_t seed,
                               int64_t max_batch)
{
    end_device(session);

    aimrt_error error = {0};
    const int32_t n_tiles = aimrt_program_n_tiles(session->program);
    session->device_name = options->device ? options->device : default_device(session);
    const bool sim = strcmp(session->device_name, "sim") == 0;
    if (sim) {
        aimrt_sim_options sim_options;
        aimrt_sim_options_defaults(&sim_options);
        sim_options.seed = (uint64_t)seed;
        sim_options.time_s = options->time_s;
        error.status = aimrt_device_sim_create(session->program, &sim_options, &session->device);
    } else {
        /* The exact device has no random draws, so the seed selects nothing. */
        error.status = aimrt_device_exact_create(n_tiles, session->tiles, &session->device);
    }
    if (error.status != AIMRT_OK) {
        const bool float_tiles = strcmp(default_device(session), "exact") == 0;
        const char *hint = "";
        if (sim && error.status == AIMRT_ERR_UNSUPPORTED)
            hint = float_tiles ? "; the program has float tiles (the float target), which sim "
                                 "does not model: use --device exact"
                               : "; a tile kind lacks a parameter its domain needs (the log line "
                                 "above names it): set it in the target file";
        snprintf(error.message, sizeof error.message, "cannot create the %s device for %d tiles: %s%s",
                 session->device_name, (int)n_tiles, aimrt_status_name(error.status), hint);
        return cli_fail_runtime(ctx, session->path, &error);
    }

    if (aimrt_session_create(session->program, session->device, max_batch, &session->session,
                             &error) != AIMRT_OK)
        return cli_fail_runtime(ctx, session->path, &error);

    /* Drift applies after the tiles are written, which session creation does. */
    if (session->device->set_time) {
        error.status = session->device->set_time(session->device->state, options->time_s);
        if (error.status != AIMRT_OK) {
            snprintf(error.message, sizeof error.message,
                     "the %s device cannot set the time to %g s: %s", session->device_name,
                     options->time_s, aimrt_status_name(error.status));
            return cli_fail_runtime(ctx, session->path, &error);
        }
    }
    return AIMCC_OK;
}

void cli_session_close(cli_session *session)
{
    end_device(session);
    if (session->program)
        aimrt_program_free(session->program);
    free(session->tiles);
    memset(session, 0, sizeof *session);
}

bool cli_program_batched(const aimrt_program *program)
{
    for (int i = 0; i < aimrt_program_n_inputs(program); i++) {
        aimrt_io_info info;
        if (aimrt_program_input(program, i, &info) == AIMRT_OK && info.batched)
            return true;
    }
    return false;
}
