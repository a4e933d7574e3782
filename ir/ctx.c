/* SPDX-License-Identifier: MIT */
/*
 * The compile context: the first failure of a compilation (its diagnostic),
 * the pass and file that messages name, and the library's logging.
 */
#include "aimcc/aimcc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct aimcc_ctx {
    aimcc_diag diag;
    char pass[32];
    char file[512];
};

const char *aimcc_status_name(aimcc_status status)
{
    switch (status) {
    case AIMCC_OK: return "ok";
    case AIMCC_ERR_INVALID_ARG: return "invalid argument";
    case AIMCC_ERR_INVALID_MODEL: return "invalid model";
    case AIMCC_ERR_UNSUPPORTED: return "unsupported";
    case AIMCC_ERR_CAPACITY: return "does not fit the target";
    case AIMCC_ERR_NUMERIC: return "numeric error";
    case AIMCC_ERR_IO: return "I/O error";
    case AIMCC_ERR_NOMEM: return "out of memory";
    case AIMCC_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

aimcc_ctx *aimcc_ctx_create(void)
{
    return calloc(1, sizeof(aimcc_ctx));
}

void aimcc_ctx_destroy(aimcc_ctx *ctx)
{
    free(ctx);
}

const aimcc_diag *aimcc_ctx_diag(const aimcc_ctx *ctx)
{
    return &ctx->diag;
}

/* Copies src, turning line breaks into spaces: node and op names come from the model
 * file, and the diagnostic they end up in must stay one line. */
static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
    for (char *c = dst; *c; c++) {
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    }
}

void aimcc_ctx_set_pass(aimcc_ctx *ctx, const char *pass)
{
    copy_text(ctx->pass, sizeof ctx->pass, pass);
}

void aimcc_ctx_set_file(aimcc_ctx *ctx, const char *file)
{
    copy_text(ctx->file, sizeof ctx->file, file);
}

const char *aimcc_ctx_file(const aimcc_ctx *ctx)
{
    return ctx->file;
}

void aimcc_ctx_clear(aimcc_ctx *ctx)
{
    memset(&ctx->diag, 0, sizeof ctx->diag);
}

aimcc_status aimcc_fail(aimcc_ctx *ctx, aimcc_status status, const char *node, const char *op,
                        const char *fmt, ...)
{
    /* Later failures are usually consequences of the first, so only the first is kept. */
    if (ctx->diag.status != AIMCC_OK) {
        ctx->diag.n_later++;
        return status;
    }

    aimcc_diag *diag = &ctx->diag;
    diag->status = status;
    copy_text(diag->pass, sizeof diag->pass, ctx->pass);
    copy_text(diag->file, sizeof diag->file, ctx->file);
    copy_text(diag->node, sizeof diag->node, node);
    copy_text(diag->op, sizeof diag->op, op);

    va_list args;
    va_start(args, fmt);
    vsnprintf(diag->message, sizeof diag->message, fmt, args);
    va_end(args);

    /* A message is one line: embedded newlines would break the command's output contract. */
    for (char *c = diag->message; *c; c++) {
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    }
    return status;
}

void aimcc_diag_format(const aimcc_diag *diag, char *buf, size_t size)
{
    size_t used = 0;
    int n;
#define APPEND(...)                                                   \
    do {                                                              \
        n = snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__); \
        if (n > 0)                                                    \
            used += (size_t)n;                                        \
    } while (0)

    if (size == 0)
        return;
    buf[0] = '\0';
    if (diag->file[0])
        APPEND("%s: ", diag->file);
    if (diag->pass[0])
        APPEND("[%s] ", diag->pass);
    if (diag->node[0] && diag->op[0])
        APPEND("node \"%s\" (%s): ", diag->node, diag->op);
    else if (diag->node[0])
        APPEND("\"%s\": ", diag->node);
    APPEND("%s", diag->message);
#undef APPEND
}

/* Logging. */

aimcc_log_level aimcc_log_threshold = AIMCC_LOG_WARN;
static aimcc_log_callback log_callback;
static void *log_user;

#define REPEAT_SLOTS 64

/* Warnings seen so far, by format string, so repeats print once and are counted. */
static struct {
    const char *fmt;
    const char *pass;
    int count;
} repeats[REPEAT_SLOTS];

void aimcc_log_set_level(aimcc_log_level level)
{
    aimcc_log_threshold = level;
}

void aimcc_log_set_callback(aimcc_log_callback callback, void *user)
{
    log_callback = callback;
    log_user = user;
}

static const char *level_name(aimcc_log_level level)
{
    static const char *const names[] = {"error", "warning", "info", "debug", "trace"};
    return level >= AIMCC_LOG_ERROR && level <= AIMCC_LOG_TRACE ? names[level] : "log";
}

/* Returns true when this warning was already printed; counts it then. */
static bool warning_repeats(const char *pass, const char *fmt)
{
    for (int i = 0; i < REPEAT_SLOTS; i++) {
        if (repeats[i].fmt == fmt && repeats[i].pass == pass) {
            repeats[i].count++;
            return true;
        }
        if (!repeats[i].fmt) {
            repeats[i].fmt = fmt;
            repeats[i].pass = pass;
            repeats[i].count = 1;
            return false;
        }
    }
    return false;
}

void aimcc_log_write(aimcc_log_level level, const char *pass, const char *node, const char *fmt, ...)
{
    if (level > aimcc_log_threshold)
        return;
    if (level == AIMCC_LOG_WARN && !log_callback && warning_repeats(pass, fmt))
        return;

    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);

    if (log_callback) {
        log_callback(level, pass, node, message, log_user);
        return;
    }

    const bool color = isatty(STDERR_FILENO) && !getenv("NO_COLOR");
    const char *on = "";
    const char *off = "";
    if (color && level <= AIMCC_LOG_WARN) {
        on = level == AIMCC_LOG_ERROR ? "\033[31m" : "\033[33m";
        off = "\033[0m";
    }
    fprintf(stderr, "aimcc: %s%s%s: ", on, level_name(level), off);
    if (pass && pass[0])
        fprintf(stderr, "[%s] ", pass);
    if (node && node[0])
        fprintf(stderr, "node \"%s\": ", node);
    fprintf(stderr, "%s\n", message);
}

void aimcc_log_flush_repeats(void)
{
    for (int i = 0; i < REPEAT_SLOTS && repeats[i].fmt; i++) {
        if (repeats[i].count > 1 && aimcc_log_threshold >= AIMCC_LOG_WARN) {
            const int more = repeats[i].count - 1;
            fprintf(stderr, "aimcc: warning: %s%s%s%d more %s like \"%s\"\n",
                    repeats[i].pass ? "[" : "", repeats[i].pass ? repeats[i].pass : "",
                    repeats[i].pass ? "] " : "", more, more == 1 ? "warning" : "warnings",
                    repeats[i].fmt);
        }
        repeats[i].fmt = NULL;
    }
}
