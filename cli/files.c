/* SPDX-License-Identifier: MIT */
/*
 * Atomic writes, output folders and whole-file reads for the aimcc command.
 * A temporary file lives in the destination's folder so that the final
 * rename stays within one file system and replaces the destination at once.
 */
#include "files.h"

#include "ir/temp_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

aimcc_status cli_atomic_open(aimcc_ctx *ctx, const char *path, cli_atomic_file *out)
{
    /* The messages below name the path themselves. */
    aimcc_ctx_set_file(ctx, NULL);
    memset(out, 0, sizeof *out);
    out->path = path;
    const size_t length = strlen(path);
    out->temp_path = malloc(length + sizeof ".tmp-XXXXXX");
    if (!out->temp_path)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory writing %s", path);
    memcpy(out->temp_path, path, length);
    memcpy(out->temp_path + length, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");

    const int fd = aimcc_temp_file_create(out->temp_path);
    if (fd < 0) {
        const int error = errno;
        free(out->temp_path);
        out->temp_path = NULL;
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "cannot create a temporary file to write %s: %s. Check that its "
                          "folder exists and is writable",
                          path, strerror(error));
    }

    out->file = fdopen(fd, "wb");
    if (!out->file) {
        const int error = errno;
        close(fd);
        cli_atomic_abort(out);
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot write %s: %s", path,
                          strerror(error));
    }
    return AIMCC_OK;
}

aimcc_status cli_atomic_commit(aimcc_ctx *ctx, cli_atomic_file *file)
{
    int error = 0;
    if (ferror(file->file) || fflush(file->file) != 0 || fsync(fileno(file->file)) != 0)
        error = errno ? errno : EIO;
    if (fclose(file->file) != 0 && !error)
        error = errno ? errno : EIO;
    file->file = NULL;
    if (!error && rename(file->temp_path, file->path) != 0)
        error = errno;
    if (error) {
        cli_atomic_abort(file);
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot write %s: %s", file->path,
                          strerror(error));
    }
    free(file->temp_path);
    file->temp_path = NULL;
    return AIMCC_OK;
}

void cli_atomic_abort(cli_atomic_file *file)
{
    if (file->file) {
        fclose(file->file);
        file->file = NULL;
    }
    if (file->temp_path) {
        unlink(file->temp_path);
        free(file->temp_path);
        file->temp_path = NULL;
    }
}

aimcc_status cli_make_folder(aimcc_ctx *ctx, const char *path)
{
    aimcc_ctx_set_file(ctx, NULL);
    if (path[0] == '\0')
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "the output folder name is empty; give a folder name");
    char *copy = strdup(path);
    if (!copy)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory creating %s", path);

    /* Create each parent in turn; one that exists already is fine. */
    aimcc_status status = AIMCC_OK;
    for (char *slash = copy + 1;; slash++) {
        const bool end = *slash == '\0';
        if (!end && *slash != '/')
            continue;
        *slash = '\0';
        struct stat st;
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot create the folder %s: %s",
                                copy, strerror(errno));
            break;
        }
        if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
            status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                                "%s exists and is not a folder; choose another output folder",
                                copy);
            break;
        }
        if (end)
            break;
        *slash = '/';
    }
    free(copy);
    return status;
}

aimcc_status cli_read_file(aimcc_ctx *ctx, const char *path, char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    aimcc_ctx_set_file(ctx, NULL);
    FILE *file = fopen(path, "rb");
    if (!file)
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot open %s: %s", path,
                          strerror(errno));

    aimcc_status status = AIMCC_OK;
    size_t capacity = 4096;
    size_t used = 0;
    char *buffer = malloc(capacity);
    while (buffer) {
        used += fread(buffer + used, 1, capacity - used - 1, file);
        if (used + 1 < capacity)
            break;
        char *grown = capacity > SIZE_MAX / 2 ? NULL : realloc(buffer, capacity * 2);
        if (!grown) {
            free(buffer);
            buffer = NULL;
            break;
        }
        buffer = grown;
        capacity *= 2;
    }
    if (!buffer) {
        status = aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory reading %s", path);
    } else if (ferror(file)) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "cannot read %s: %s", path,
                            strerror(errno));
        free(buffer);
    } else {
        buffer[used] = '\0';
        *data = buffer;
        *size = used;
    }
    fclose(file);
    return status;
}
