/* SPDX-License-Identifier: MIT */
/*
 * A loaded program bound to a device, for the subcommands that run programs
 * (run, eval), and the options they share: --device, --seed, --time and the
 * runtime limits of limits.h.
 */
#ifndef AIMCC_CLI_SESSION_H
#define AIMCC_CLI_SESSION_H

#include "cli.h"
#include "limits.h"

enum {
    CLI_OPT_DEVICE = 120,
    CLI_OPT_SEED,
    CLI_OPT_TIME,
};

/* Without --device a program of integer tiles runs on sim, and a program
 * with float tiles (the float target) or no tiles on exact, since sim
 * models integer tiles only. */
#define CLI_DEFAULT_DEVICE NULL

#define CLI_DEVICE_OPTIONS                                                                        \
    {CLI_OPT_DEVICE, "--device", NULL, "exact|sim",                                               \
     "Device that runs the tiles: exact (exact arithmetic, no noise) or sim (the simulator of "  \
     "the target's device and circuit effects, integer tiles only). Default: sim for a program " \
     "of integer tiles, exact for the float target."},                                            \
        {CLI_OPT_SEED, "--seed", NULL, "N",                                                       \
         "Seed of the device's random draws (0 to 2^63-1); --repeat R uses seeds N to N+R-1. "    \
         "The exact device draws none. Default: 1."},                                             \
        {CLI_OPT_TIME, "--time", NULL, "SECONDS",                                                 \
         "Time since the tiles were programmed, in seconds (>= 0), for drift. Default: 0."}

/* What the device options and the runtime limit options select. */
typedef struct cli_device_options {
    const char *device;
    int64_t seed;
    double time_s;
    aimrt_limits limits;  /* zero fields keep the runtime's defaults */
} cli_device_options;

/* Fills the defaults: device CLI_DEFAULT_DEVICE (chosen per program), seed 1,
 * time 0 s, the runtime's default limits. */
void cli_device_options_init(cli_device_options *options);

/* Applies one of the CLI_OPT_* device options or CLI_OPT_MAX_* limit options.
 * Returns an exit status after printing an error, or -1 when the option was
 * applied. */
int cli_device_options_apply(const cli_command *command, cli_device_options *options, int id,
                             const char *value);

/* A program, its device and a session. */
typedef struct cli_session {
    const char *path;        /* the program file; borrowed */
    aimrt_program *program;
    aimrt_device *device;
    aimrt_session *session;
    aimrt_tile_desc *tiles;
    const char *device_name; /* the device of the last cli_session_start */
} cli_session;

/* Loads and validates a program under limits, which session creation also
 * reads (max_session_bytes). Errors name the file. */
aimcc_status cli_session_load(aimcc_ctx *ctx, const char *path, const aimrt_limits *limits,
                              cli_session *out);

/* Creates the device for one seed, writes the tiles, sets the time, and
 * allocates for max_batch samples (1 for unbatched programs). Ends any earlier
 * device and session of this program first. */
aimcc_status cli_session_start(aimcc_ctx *ctx, cli_session *session,
                               const cli_device_options *options, int64_t seed,
                               int64_t max_batch);

/* Frees the session, the device and the program. */
void cli_session_close(cli_session *session);

/* Returns 1 when some graph input of the program is batched. */
bool cli_program_batched(const aimrt_program *program);

#endif
