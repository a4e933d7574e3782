/* SPDX-License-Identifier: MIT */
/*
 * File helpers of the aimcc command: atomic writes, creating an output folder,
 * and reading a whole file. An atomic write goes to a temporary file in the
 * destination's folder, renamed over it once complete. So a reader never sees
 * a partial output, and a failure leaves nothing behind.
 */
#ifndef AIMCC_CLI_FILES_H
#define AIMCC_CLI_FILES_H

#include <stdio.h>

#include "aimcc/aimcc.h"

/* A file being written under a temporary name. */
typedef struct cli_atomic_file {
    FILE *file;
    const char *path;  /* destination; borrowed */
    char *temp_path;   /* malloc'd */
} cli_atomic_file;

/* Creates the temporary file beside path. Returns AIMCC_ERR_IO naming path. */
aimcc_status cli_atomic_open(aimcc_ctx *ctx, const char *path, cli_atomic_file *out);

/* Flushes, closes and renames the file over its destination. On any failure
 * the temporary file is removed and AIMCC_ERR_IO is recorded naming path. */
aimcc_status cli_atomic_commit(aimcc_ctx *ctx, cli_atomic_file *file);

/* Closes and removes the temporary file. Safe on a file that failed to open. */
void cli_atomic_abort(cli_atomic_file *file);

/* Creates a folder and its missing parents (mode 0777 less the umask).
 * Returns AIMCC_ERR_IO naming the folder. */
aimcc_status cli_make_folder(aimcc_ctx *ctx, const char *path);

/* Reads a whole file into a malloc'd buffer with a terminating NUL byte (not
 * counted in *size). Returns AIMCC_ERR_IO naming the file. */
aimcc_status cli_read_file(aimcc_ctx *ctx, const char *path, char **data, size_t *size);

#endif
