/* SPDX-License-Identifier: MIT */
/*
 * The eval progress bar: one line on stderr redrawn in place with a carriage
 * return, showing the fraction done, the units done and the time left at the
 * rate so far.
 */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "aimcc/aimcc.h"

#define BAR_WIDTH 30

double cli_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_start(cli_progress *progress, int64_t total)
{
    progress->enabled = isatty(STDERR_FILENO) && aimcc_log_threshold >= AIMCC_LOG_WARN && total > 0;
    progress->total = total;
    progress->start_s = cli_now_seconds();
    progress->last_draw_s = 0.0;
}

void cli_progress_update(cli_progress *progress, int64_t done)
{
    if (!progress->enabled)
        return;
    const double now = cli_now_seconds();
    if (done < progress->total && now - progress->last_draw_s < 0.1)
        return;
    progress->last_draw_s = now;

    const double fraction = (double)done / (double)progress->total;
    const int filled = (int)(fraction * BAR_WIDTH);
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    const double elapsed = now - progress->start_s;
    const double left = done > 0 ? elapsed * (double)(progress->total - done) / (double)done : 0.0;
    fprintf(stderr, "\r[%s] %3.0f%% %lld/%lld, %.0f s left ", bar, 100.0 * fraction,
            (long long)done, (long long)progress->total, left);
    fflush(stderr);
}

void cli_progress_finish(cli_progress *progress)
{
    if (!progress->enabled)
        return;
    fprintf(stderr, "\r%*s\r", BAR_WIDTH + 40, "");
    fflush(stderr);
}
