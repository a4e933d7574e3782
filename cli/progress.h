/* SPDX-License-Identifier: MIT */
/*
 * A progress bar on stderr for long evaluations. It shows only when stderr is
 * a terminal and the log level is not -q, so logs and pipes stay clean.
 */
#ifndef AIMCC_CLI_PROGRESS_H
#define AIMCC_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cli_progress {
    bool enabled;
    int64_t total;
    double start_s;
    double last_draw_s;
} cli_progress;

/* Starts a bar for total units of work. */
void cli_progress_start(cli_progress *progress, int64_t total);

/* Redraws the bar with done units finished, at most ten times a second. */
void cli_progress_update(cli_progress *progress, int64_t done);

/* Erases the bar. */
void cli_progress_finish(cli_progress *progress);

/* Returns seconds on a monotonic clock. */
double cli_now_seconds(void);

#endif
