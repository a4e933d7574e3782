/* SPDX-License-Identifier: MIT */
/* The runtime's log sink: a level and an optional embedder callback. */
#include "aimrt/log.h"

#include <stdarg.h>
#include <stdio.h>

static aimrt_log_level log_level = AIMRT_LOG_WARN;
static aimrt_log_callback log_callback;
static void *log_user;

void aimrt_log_set_level(aimrt_log_level level)
{
    log_level = level;
}

aimrt_log_level aimrt_log_get_level(void)
{
    return log_level;
}

void aimrt_log_set_callback(aimrt_log_callback callback, void *user)
{
    log_callback = callback;
    log_user = user;
}

int aimrt_log_enabled(aimrt_log_level level)
{
    return level <= log_level;
}

void aimrt_log_write(aimrt_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;

    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);

    if (log_callback) {
        log_callback(level, message, log_user);
        return;
    }
    static const char *const names[] = {"error", "warning", "info", "debug"};
    const char *name = level >= AIMRT_LOG_ERROR && level <= AIMRT_LOG_DEBUG ? names[level] : "log";
    fprintf(stderr, "aimrt: %s: %s\n", name, message);
}
