/* SPDX-License-Identifier: MIT */
/*
 * Public API of libaimrt: load and validate a compiled program (.aimc), bind
 * it to a device for a maximum batch size, and run it. Everything is
 * allocated at load and at session creation, nothing per inference.
 */
#ifndef AIMRT_AIMRT_H
#define AIMRT_AIMRT_H

#include <stdio.h>

#include "aimrt/device.h"
#include "aimrt/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A one-line reason for the last failure, filled by calls that take one. */
typedef struct aimrt_error {
    aimrt_status status;
    char message[512];
} aimrt_error;

typedef struct aimrt_program aimrt_program;
typedef struct aimrt_session aimrt_session;

/*
 * Validates a program image (every offset, length, count, enum and opcode is
 * checked before use) and builds the program, under the default limits of
 * aimrt_limits. The bytes are copied. Returns AIMRT_ERR_INVALID_PROGRAM with a
 * reason on a malformed image.
 */
aimrt_status aimrt_program_load(const void *bytes, size_t size, aimrt_program **out, aimrt_error *error);

/* Reads a .aimc file and calls aimrt_program_load. */
aimrt_status aimrt_program_load_file(const char *path, aimrt_program **out, aimrt_error *error);

/*
 * Resource limits for a program from an untrusted source, so that a hostile
 * or broken file fails with a message instead of exhausting memory. A field
 * of 0 or less takes its default (AIMRT_DEFAULT_*). The counts bound what the loader
 * allocates per record; rank has the fixed limit AIMRT_MAX_RANK.
 */
typedef struct aimrt_limits {
    int64_t max_program_bytes; /* size of the program image, bytes. Default 4 GiB */
    int64_t max_tensors;       /* records of the tensors section, a count. Default 2^24 */
    int64_t max_ops;           /* ops of the code section, a count. Default 2^24 */
    int64_t max_tiles;         /* records of the tiles section, a count. Default 2^20 */
    int64_t max_tensor_bytes;  /* bytes of one tensor at batch 1. Default 4 GiB */
    int64_t max_session_bytes; /* bytes that aimrt_session_create allocates for the program
                                * at its max batch: activations, kernel scratch and LINEAR
                                * buffers (the device's own memory not included).
                                * Default 16 GiB */
} aimrt_limits;

#define AIMRT_DEFAULT_MAX_PROGRAM_BYTES (INT64_C(4) << 30)
#define AIMRT_DEFAULT_MAX_TENSORS (INT64_C(1) << 24)
#define AIMRT_DEFAULT_MAX_OPS (INT64_C(1) << 24)
#define AIMRT_DEFAULT_MAX_TILES (INT64_C(1) << 20)
#define AIMRT_DEFAULT_MAX_TENSOR_BYTES (INT64_C(4) << 30)
#define AIMRT_DEFAULT_MAX_SESSION_BYTES (INT64_C(16) << 30)

/*
 * Validates and builds a program as aimrt_program_load does, under limits
 * (NULL: the defaults). The program keeps the limits, and
 * aimrt_session_create checks max_session_bytes against them. A program over
 * a load limit gives AIMRT_ERR_INVALID_PROGRAM with a message that names the
 * section or tensor, the value, the limit and the field that raises it.
 */
aimrt_status aimrt_program_load_limited(const void *bytes, size_t size, const aimrt_limits *limits,
                                        aimrt_program **out, aimrt_error *error);

/* Reads a .aimc file and calls aimrt_program_load_limited; checks the file's
 * size against max_program_bytes before reading it. */
aimrt_status aimrt_program_load_file_limited(const char *path, const aimrt_limits *limits,
                                             aimrt_program **out, aimrt_error *error);

void aimrt_program_free(aimrt_program *program);

/* Describes one graph input or output. Shapes hold dims[0] = 1 when batched. */
typedef struct aimrt_io_info {
    const char *name;
    aimrt_dtype dtype;
    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    int batched;  /* 1 when dims[0] is the run-time batch */
} aimrt_io_info;

int aimrt_program_n_inputs(const aimrt_program *program);
int aimrt_program_n_outputs(const aimrt_program *program);
/* Fill *info for input or output i; return AIMRT_ERR_INVALID_ARG when i is out of range. */
aimrt_status aimrt_program_input(const aimrt_program *program, int i, aimrt_io_info *info);
aimrt_status aimrt_program_output(const aimrt_program *program, int i, aimrt_io_info *info);

/* Returns the count of tiles the program writes. */
int32_t aimrt_program_n_tiles(const aimrt_program *program);

/* Fills *desc for tile i (kind index, rows, cols); returns AIMRT_ERR_INVALID_ARG
 * when i is out of range. aimrt_device_exact_create takes these descriptions. */
aimrt_status aimrt_program_tile(const aimrt_program *program, int32_t i, aimrt_tile_desc *desc);

/* Fills tiles[0 .. aimrt_program_n_tiles) with every tile's description. */
void aimrt_program_tiles(const aimrt_program *program, aimrt_tile_desc *tiles);

/*
 * Prints a program for `aimcc inspect`: header, sections, metadata, tile
 * kinds, tensors (with their arena offsets), ops with the plan, blocks
 * (tile, rows, columns, replica) and cell utilization of every LINEAR op,
 * every tile with the layers packed on it, and the totals. With json != 0
 * prints one JSON object instead of text. Returns AIMRT_ERR_IO when writing
 * to out fails.
 */
aimrt_status aimrt_program_describe(const aimrt_program *program, FILE *out, int json);

/*
 * Creates a session: binds the program to a device, writes its tiles, and
 * allocates buffers for up to max_batch samples per run. A batch size only
 * applies to programs whose inputs are batched; others run one sample.
 * The session borrows program and device, which must outlive it. Returns
 * AIMRT_ERR_INVALID_ARG (bad arguments, a device of another interface
 * version), AIMRT_ERR_UNSUPPORTED, AIMRT_ERR_DEVICE when writing a tile fails,
 * or AIMRT_ERR_NOMEM (also when the memory at max_batch exceeds the
 * program's max_session_bytes, checked before anything large is allocated),
 * with a reason in error.
 */
aimrt_status aimrt_session_create(const aimrt_program *program, const aimrt_device *device,
                                  int64_t max_batch, aimrt_session **out, aimrt_error *error);

void aimrt_session_free(aimrt_session *session);

/*
 * Runs batch samples (1 <= batch <= max_batch; 1 for unbatched programs).
 * inputs[i] points at graph input i in its dtype, batch samples back to back;
 * outputs[i] receives graph output i the same way. first_sample is the global
 * index of the first sample, which keys the device's dynamic noise.
 */
aimrt_status aimrt_session_run(aimrt_session *session, int64_t batch, int64_t first_sample,
                               const void *const *inputs, void *const *outputs,
                               aimrt_error *error);

/*
 * Called by aimrt_session_run after each op ran, with the op's index in the
 * program, its ONNX node name and op code (an aimrt_op), and views of its
 * inputs (absent optional inputs have data NULL) and outputs at the run's
 * batch. The views are valid during the call only. The compiler's calibrate
 * pass uses it to gather the inputs and exact outputs of LINEAR ops. An
 * observer may change the values of the outputs in place, and later ops read
 * the changed values: select-domain adds noise to a layer's output that way.
 */
typedef void (*aimrt_op_observer)(void *user, int op_index, const char *node, int op_code,
                                  int n_inputs, const aimrt_tensor *inputs, int n_outputs,
                                  const aimrt_tensor *outputs);

/* Sets (or with NULL clears) the session's observer. */
aimrt_status aimrt_session_set_observer(aimrt_session *session, aimrt_op_observer observer,
                                        void *user);

/*
 * The per-column correction that the session fitted for LINEAR op op_index
 * on this chip instance from the program's calibration probes: outputs are
 * corrected as (y - offset[j]) / gain[j], and then their part above the bias
 * is scaled by drift[j] at the device's current time. Fills *n_cols and, when the pointers are not NULL,
 * copies n_cols values into gain, offset and drift. Returns
 * AIMRT_ERR_INVALID_ARG when the op has no probes.
 */
aimrt_status aimrt_session_correction(const aimrt_session *session, int op_index,
                                      int64_t *n_cols, float *gain, float *offset, float *drift);

#ifdef __cplusplus
}
#endif

#endif
