/* SPDX-License-Identifier: MIT */
/*
 * Logging of libaimrt. The runtime logs only outside inference (loading a
 * program, creating a session), never in its inner loops. By default nothing
 * is printed; an embedder installs a callback to receive the messages, or
 * sets a level to have them printed on stderr.
 */
#ifndef AIMRT_LOG_H
#define AIMRT_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aimrt_log_level {
    AIMRT_LOG_ERROR = 0,
    AIMRT_LOG_WARN = 1,
    AIMRT_LOG_INFO = 2,
    AIMRT_LOG_DEBUG = 3,
} aimrt_log_level;

/* Receives one message (no prefix, no newline) at or below the set level. */
typedef void (*aimrt_log_callback)(aimrt_log_level level, const char *message, void *user);

/* Sets the most verbose level delivered; the default is AIMRT_LOG_WARN. */
void aimrt_log_set_level(aimrt_log_level level);

/* Returns the level that aimrt_log_set_level set last (AIMRT_LOG_WARN at start). */
aimrt_log_level aimrt_log_get_level(void);

/* Installs a callback; NULL restores printing on stderr with an "aimrt: " prefix. */
void aimrt_log_set_callback(aimrt_log_callback callback, void *user);

/* Returns true when a message at this level would be delivered, so callers
 * can skip formatting. */
int aimrt_log_enabled(aimrt_log_level level);

/* Formats and delivers one message. */
void aimrt_log_write(aimrt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
