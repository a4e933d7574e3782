/* SPDX-License-Identifier: MIT */
/*
 * Public API of libaimcc, the aimcc compiler: status codes, the compile
 * context with its diagnostic, logging, and the compile entry points that the
 * aimcc command wraps.
 */
#ifndef AIMCC_AIMCC_H
#define AIMCC_AIMCC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aimcc_status {
    AIMCC_OK = 0,
    AIMCC_ERR_INVALID_ARG = -1,
    AIMCC_ERR_INVALID_MODEL = -2,
    AIMCC_ERR_UNSUPPORTED = -3,
    AIMCC_ERR_CAPACITY = -4,
    AIMCC_ERR_NUMERIC = -5,
    AIMCC_ERR_IO = -6,
    AIMCC_ERR_NOMEM = -7,
    AIMCC_ERR_INTERNAL = -8,
} aimcc_status;

/* Returns a static name such as "unsupported" for a status code. */
const char *aimcc_status_name(aimcc_status status);

/* The first failure of a compilation: its root cause. */
typedef struct aimcc_diag {
    aimcc_status status;
    char pass[32];       /* "frontend", "canonicalize", ... or "" */
    char file[512];      /* the input file the failure is about, or "" */
    char node[256];      /* ONNX node (or tensor) name, or "" */
    char op[64];         /* ONNX op type, or "" */
    char message[1536];  /* what is wrong and what to do */
    int n_later;         /* failures reported after the first one */
} aimcc_diag;

typedef struct aimcc_ctx aimcc_ctx;

/* Creates a context; returns NULL when out of memory. Caller frees with aimcc_ctx_destroy. */
aimcc_ctx *aimcc_ctx_create(void);
void aimcc_ctx_destroy(aimcc_ctx *ctx);

/* Returns the stored diagnostic (status AIMCC_OK when nothing failed). Borrowed. */
const aimcc_diag *aimcc_ctx_diag(const aimcc_ctx *ctx);

/* Sets the pass and the file that later diagnostics and log lines name. */
void aimcc_ctx_set_pass(aimcc_ctx *ctx, const char *pass);
void aimcc_ctx_set_file(aimcc_ctx *ctx, const char *file);

/* Returns the file that aimcc_ctx_set_file set last ("" when none). Borrowed. */
const char *aimcc_ctx_file(const aimcc_ctx *ctx);

/* Clears the diagnostic so the context can be reused. */
void aimcc_ctx_clear(aimcc_ctx *ctx);

/*
 * Records a failure and returns status. Keeps the first failure and counts the
 * later ones. node and op may be NULL. The message should say what is wrong,
 * with the values involved, and what to do.
 */
aimcc_status aimcc_fail(aimcc_ctx *ctx, aimcc_status status, const char *node, const char *op,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats the diagnostic as the one line the command prints, without a newline:
 * "FILE: [PASS] node "NAME" (OP): message". */
void aimcc_diag_format(const aimcc_diag *diag, char *buf, size_t size);

/* Logging. Levels checked before any formatting happens. */
typedef enum aimcc_log_level {
    AIMCC_LOG_ERROR = 0,
    AIMCC_LOG_WARN = 1,
    AIMCC_LOG_INFO = 2,
    AIMCC_LOG_DEBUG = 3,
    AIMCC_LOG_TRACE = 4,
} aimcc_log_level;

/* Receives one formatted log line (no prefix, no newline) with its level, pass and node. */
typedef void (*aimcc_log_callback)(aimcc_log_level level, const char *pass, const char *node,
                                   const char *message, void *user);

extern aimcc_log_level aimcc_log_threshold;

void aimcc_log_set_level(aimcc_log_level level);
/* Installs a callback for every message at or below the level; NULL restores stderr. */
void aimcc_log_set_callback(aimcc_log_callback callback, void *user);
void aimcc_log_write(aimcc_log_level level, const char *pass, const char *node, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
/* Prints the count of warnings that repeated, once, and resets the counts. */
void aimcc_log_flush_repeats(void);

#define AIMCC_LOG(level, pass, node, ...)                       \
    do {                                                        \
        if ((level) <= aimcc_log_threshold)                     \
            aimcc_log_write((level), (pass), (node), __VA_ARGS__); \
    } while (0)

/* A NAME=VALUE binding given on the command line (--dim, --const, --set). */
typedef struct aimcc_binding {
    const char *name;
    const char *value;
} aimcc_binding;

/*
 * Resource limits on what the frontend reads from a model, so that a hostile
 * or broken file fails with a message instead of exhausting memory. A field
 * of 0 or less takes its default (AIMCC_DEFAULT_*), and `--set limits.KEY=N` in
 * aimcc_options.sets overrides a field. Tensor rank has the fixed limit
 * AIMRT_MAX_RANK (8) of the runtime, and a model file the fixed 2 GiB limit
 * of a protobuf message; neither has an option.
 */
typedef struct aimcc_limits {
    int64_t max_nodes;           /* ONNX nodes of the main graph and of every inlined If
                                  * branch, a count. Default 1,000,000 */
    int64_t max_tensor_elements; /* elements of one tensor (initializers, Constant values,
                                  * --const tensors, graph inputs and every value that lowering
                                  * creates), a count. Default 2^31 */
    int64_t max_tensor_bytes;    /* bytes of one such tensor. Default 4 GiB */
    int64_t max_total_bytes;     /* bytes of all initializers, Constant values, --const tensors
                                  * and constants folded at import, summed. Default 16 GiB */
    int64_t max_external_bytes;  /* bytes read from external data files, summed over the
                                  * model. Default 16 GiB */
} aimcc_limits;

#define AIMCC_DEFAULT_MAX_NODES INT64_C(1000000)
#define AIMCC_DEFAULT_MAX_TENSOR_ELEMENTS (INT64_C(1) << 31)
#define AIMCC_DEFAULT_MAX_TENSOR_BYTES (INT64_C(4) << 30)
#define AIMCC_DEFAULT_MAX_TOTAL_BYTES (INT64_C(16) << 30)
#define AIMCC_DEFAULT_MAX_EXTERNAL_BYTES (INT64_C(16) << 30)

/* What a compilation reads besides the model. Strings are borrowed. */
typedef struct aimcc_options {
    const char *target;          /* preset name or path to a target JSON; NULL = default */
    const aimcc_binding *dims;   /* --dim NAME=VALUE */
    int n_dims;
    const aimcc_binding *consts; /* --const NAME=FILE.pb */
    int n_consts;
    const aimcc_binding *sets;   /* --set KEY=VALUE */
    int n_sets;
    const char *dump_after;      /* pass name, "all", or NULL */
    const char *dump_dir;        /* folder for dumps; NULL = current folder */
    bool dump_weights;
    bool verify_each;
    const char *stop_after;      /* run the pipeline up to this pass; NULL = all */
    /* Keep a fixed leading 1 as a fixed dimension instead of the run-time
     * batch. The compile driver sets it when an op moves the batch axis. */
    bool fixed_batch;
    /* Limits on what the frontend reads; all zero gives the defaults. */
    aimcc_limits limits;
    /* Calibration inputs (--calib) as f32 after --scale and --shift (X*A+B):
     * calib_samples rows of calib_sample_elements values, row-major, one row per
     * sample of the graph input. The calibrate pass casts each row to the input's
     * dtype (round half to even, saturating), as `aimcc eval` does. NULL: no
     * data, and the ranges come from the weights. calib_name is the file that
     * messages name. Borrowed. docs/calibration.md describes the pass. */
    const float *calib_inputs;
    int64_t calib_samples;
    int64_t calib_sample_elements;
    const char *calib_name;
    /* Called during long steps (the calibration runs) after each run of
     * samples with the step's name, the samples done and their total; NULL
     * for none. The aimcc command draws a progress bar with it on a terminal. */
    void (*progress)(void *user, const char *step, int64_t done, int64_t total);
    void *progress_user;
} aimcc_options;

/* The compiled module; opaque outside the library (see ir/ir.h inside it). */
typedef struct aimcc_module aimcc_module;

/* Returns the folder that contains the preset target files. */
const char *aimcc_targets_dir(void);

/*
 * Compiles an ONNX model through the pipeline. On success *out receives the
 * compilation, which owns the module (aimcc_compile_module returns it);
 * the caller frees it with aimcc_compile_destroy. On failure *out is NULL.
 */
typedef struct aimcc_compile aimcc_compile;
aimcc_status aimcc_compile_model(aimcc_ctx *ctx, const char *model_path, const aimcc_options *options,
                                 aimcc_compile **out);
aimcc_module *aimcc_compile_module(aimcc_compile *compile);
void aimcc_compile_destroy(aimcc_compile *compile);

/* Writes the compiled program to path atomically (temporary file, then rename). */
aimcc_status aimcc_compile_write_program(aimcc_ctx *ctx, aimcc_compile *compile, const char *path);

/* Writes the IR text dump of the module to a FILE* (void * keeps stdio out of this header). */
aimcc_status aimcc_compile_dump(aimcc_ctx *ctx, aimcc_compile *compile, void *file, bool weights);

/*
 * Writes the compile report to path atomically, as one JSON object: per linear
 * layer its ONNX node, weight shape, tile kind and domain with the reason
 * select-domain gave, tiles, blocks, cells used and utilization; per tile kind
 * its bit widths and tiles used against its budget; the totals; and
 * "estimates": null until a cost model exists. docs/cli.md lists the members.
 * Returns AIMCC_ERR_IO naming path, or AIMCC_ERR_NOMEM. Defined in ir/report.c.
 */
aimcc_status aimcc_compile_write_report(aimcc_ctx *ctx, aimcc_compile *compile, const char *path);

#ifdef __cplusplus
}
#endif

#endif
