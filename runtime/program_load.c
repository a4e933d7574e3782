/* SPDX-License-Identifier: MIT */
/*
 * Loads a .aimc program: copies the image, checks the header, the CRC-32 and
 * the section table, then hands each section to its parser. Nothing in the
 * image is used before the check that covers it, so a corrupted or hostile
 * file yields AIMRT_ERR_INVALID_PROGRAM with a one-line reason, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "program_internal.h"

aimrt_status aimrt_error_set(aimrt_error *error, aimrt_status status, const char *fmt, ...)
{
    if (error) {
        error->status = status;
        va_list args;
        va_start(args, fmt);
        vsnprintf(error->message, sizeof error->message, fmt, args);
        va_end(args);
    }
    return status;
}

static bool host_is_little_endian(void)
{
    const uint16_t probe = 1;
    uint8_t first;
    memcpy(&first, &probe, 1);
    return first == 1;
}

/* Computes the CRC-32 (zlib) of the image with the CRC field read as zero. */
static uint32_t compute_crc(const uint8_t *image, size_t size)
{
    static const uint8_t zeros[4] = {0};
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, image, AIMRT_HEADER_CRC);
    crc = crc32(crc, zeros, sizeof zeros);

    /* zlib takes uInt lengths, so feed large files in pieces. */
    size_t offset = AIMRT_HEADER_CRC + 4;
    while (offset < size) {
        const size_t piece = size - offset > (1u << 30) ? (1u << 30) : size - offset;
        crc = crc32(crc, image + offset, (uInt)piece);
        offset += piece;
    }
    return (uint32_t)crc;
}

static aimrt_status check_header(aimrt_program *program, aimrt_error *error)
{
    const uint8_t *image = program->image;
    const size_t size = program->size;

    if (size < AIMRT_HEADER_SIZE)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: file is %zu bytes, shorter than the %d-byte header; "
                               "the file is truncated or not a .aimc program",
                               size, AIMRT_HEADER_SIZE);
    if (memcmp(image, AIMRT_FORMAT_MAGIC, 4) != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: magic is not \"AIMC\"; the file is not a .aimc program");

    program->version = aimrt_get_u32(image + AIMRT_HEADER_VERSION);
    if (program->version < AIMRT_FORMAT_VERSION_MIN || program->version > AIMRT_FORMAT_VERSION)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: format version %u is not supported (this runtime reads "
                               "versions %u to %u); recompile the model with a matching aimcc",
                               program->version, AIMRT_FORMAT_VERSION_MIN, AIMRT_FORMAT_VERSION);

    const uint64_t file_size = aimrt_get_u64(image + AIMRT_HEADER_FILE_SIZE);
    if (file_size != size)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: file size field is %llu but the file is %zu bytes; "
                               "the file is truncated or has trailing bytes; compile it again",
                               (unsigned long long)file_size, size);

    program->crc = aimrt_get_u32(image + AIMRT_HEADER_CRC);
    const uint32_t crc = compute_crc(image, size);
    if (crc != program->crc)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: CRC-32 mismatch (stored 0x%08x, computed 0x%08x); "
                               "the file is corrupted",
                               program->crc, crc);

    program->flags = aimrt_get_u32(image + AIMRT_HEADER_FLAGS);
    if (program->flags != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: unknown flags 0x%08x (no version defines any)",
                               program->flags);

    const uint32_t n_sections = aimrt_get_u32(image + AIMRT_HEADER_N_SECTIONS);
    const uint32_t header_size = aimrt_get_u32(image + AIMRT_HEADER_SIZE_FIELD);
    const int expected = program_section_count(program);
    if (n_sections != (uint32_t)expected || header_size != AIMRT_HEADER_SIZE)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "header: %u sections and a %u-byte header, expected %d and %d "
                               "for version %u",
                               n_sections, header_size, expected, AIMRT_HEADER_SIZE,
                               program->version);
    return AIMRT_OK;
}

static const char *section_name(int id)
{
    static const char *const names[] = {"strings",   "tensors", "tile kinds", "tiles",
                                        "constants", "code",    "metadata",   "kind parameters"};
    return id >= 1 && id <= AIMRT_SECTION_COUNT ? names[id - 1] : "unknown";
}

/* A version 1 program has no kind parameters: its section 8 stays empty. */
static aimrt_status check_sections(aimrt_program *program, aimrt_error *error)
{
    const int n_sections = program_section_count(program);
    for (int i = 0; i < n_sections; i++) {
        const uint8_t *entry = program->image + AIMRT_HEADER_TABLE + i * AIMRT_SECTION_ENTRY_SIZE;
        program_section *s = &program->sections[i];
        s->id = aimrt_get_u32(entry);
        s->count = aimrt_get_u32(entry + 4);
        s->offset = aimrt_get_u64(entry + 8);
        s->length = aimrt_get_u64(entry + 16);

        if (s->id != (uint32_t)(i + 1))
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section table: entry %d has id %u, expected %d (%s)", i,
                                   s->id, i + 1, section_name(i + 1));
        if (s->offset % AIMRT_FORMAT_ALIGN != 0 || s->offset < AIMRT_HEADER_SIZE ||
            s->offset > program->size || s->length > program->size - s->offset)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section %s: offset %llu and length %llu are not a %u-aligned "
                                   "range after the header inside the %zu-byte file",
                                   section_name(i + 1), (unsigned long long)s->offset,
                                   (unsigned long long)s->length, AIMRT_FORMAT_ALIGN,
                                   program->size);
        if (s->count > INT32_MAX)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section %s: count %u exceeds %d", section_name(i + 1),
                                   s->count, INT32_MAX);
    }

    /* Sections may come in any order in the file but must not share bytes. */
    for (int i = 0; i < n_sections; i++) {
        for (int j = i + 1; j < n_sections; j++) {
            const program_section *a = &program->sections[i];
            const program_section *b = &program->sections[j];
            if (a->length > 0 && b->length > 0 && a->offset < b->offset + b->length &&
                b->offset < a->offset + a->length)
                return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                       "section table: sections %s and %s overlap",
                                       section_name(i + 1), section_name(j + 1));
        }
    }
    return AIMRT_OK;
}

static aimrt_status check_strings(aimrt_program *program, aimrt_error *error)
{
    const program_section *s = &program->sections[AIMRT_SECTION_STRINGS - 1];
    const uint8_t *bytes = program_section_bytes(program, AIMRT_SECTION_STRINGS);

    /* A final NUL makes every offset inside the section a terminated string. */
    if (s->length == 0 || bytes[s->length - 1] != 0 || bytes[0] != 0)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section strings: must start with the empty string and end "
                               "with a NUL byte");
    uint64_t n_strings = 0;
    for (uint64_t i = 0; i < s->length; i++)
        n_strings += bytes[i] == 0;
    if (n_strings != s->count)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section strings: holds %llu strings but the table says %u",
                               (unsigned long long)n_strings, s->count);
    return AIMRT_OK;
}

const char *program_string(const aimrt_program *program, uint32_t offset)
{
    const program_section *s = &program->sections[AIMRT_SECTION_STRINGS - 1];
    if (offset >= s->length)
        return NULL;
    return (const char *)program_section_bytes(program, AIMRT_SECTION_STRINGS) + offset;
}

aimrt_status aimrt_program_load(const void *bytes, size_t size, aimrt_program **out,
                                aimrt_error *error)
{
    return aimrt_program_load_limited(bytes, size, NULL, out, error);
}

aimrt_status aimrt_program_load_limited(const void *bytes, size_t size, const aimrt_limits *limits,
                                        aimrt_program **out, aimrt_error *error)
{
    if (!out || (!bytes && size > 0))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "aimrt_program_load: bytes and out must not be NULL");
    *out = NULL;
    if (!host_is_little_endian())
        return aimrt_error_set(error, AIMRT_ERR_UNSUPPORTED,
                               "aimrt_program_load: the runtime needs a little-endian host");
    const aimrt_limits resolved = program_limits_resolve(limits);
    const int64_t n_bytes = size > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)size;
    aimrt_status status = program_limit_check(error, AIMRT_ERR_INVALID_PROGRAM, "program", n_bytes,
                                              "bytes", resolved.max_program_bytes,
                                              "max_program_bytes");
    if (status != AIMRT_OK)
        return status;

    aimrt_program *program = calloc(1, sizeof *program);
    if (!program)
        return aimrt_error_set(error, AIMRT_ERR_NOMEM, "out of memory for the program");
    program->limits = resolved;
    program->image = malloc(size > 0 ? size : 1);
    if (!program->image) {
        free(program);
        return aimrt_error_set(error, AIMRT_ERR_NOMEM,
                               "out of memory for a %zu-byte program image", size);
    }
    if (size > 0)
        memcpy(program->image, bytes, size);
    program->size = size;

    status = check_header(program, error);
    if (status == AIMRT_OK)
        status = check_sections(program, error);
    if (status == AIMRT_OK)
        status = check_strings(program, error);
    if (status == AIMRT_OK)
        status = program_parse_tensors(program, error);
    if (status == AIMRT_OK)
        status = program_parse_tiles(program, error);
    if (status == AIMRT_OK)
        status = program_parse_kind_params(program, error);
    if (status == AIMRT_OK)
        status = program_parse_metadata(program, error);
    if (status == AIMRT_OK)
        status = program_parse_code(program, error);
    if (status == AIMRT_OK)
        status = program_check_ops(program, error);
    if (status != AIMRT_OK) {
        aimrt_program_free(program);
        return status;
    }
    *out = program;
    return AIMRT_OK;
}

aimrt_status aimrt_program_load_file(const char *path, aimrt_program **out, aimrt_error *error)
{
    return aimrt_program_load_file_limited(path, NULL, out, error);
}

aimrt_status aimrt_program_load_file_limited(const char *path, const aimrt_limits *limits,
                                             aimrt_program **out, aimrt_error *error)
{
    if (!path || !out)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_ARG,
                               "aimrt_program_load_file: path and out must not be NULL");
    *out = NULL;

    /* A folder opens on Linux but has no size to read; say what it is. */
    struct stat st;
    if (stat(path, &st) != 0)
        return aimrt_error_set(error, AIMRT_ERR_IO, "%s: cannot open the program: %s", path,
                               strerror(errno));
    if (!S_ISREG(st.st_mode))
        return aimrt_error_set(error, AIMRT_ERR_IO,
                               "%s: is not a regular file; give the path of a .aimc program",
                               path);
    FILE *file = fopen(path, "rb");
    if (!file)
        return aimrt_error_set(error, AIMRT_ERR_IO, "%s: cannot open the program: %s", path,
                               strerror(errno));

    aimrt_status status = AIMRT_OK;
    uint8_t *bytes = NULL;
    long size = -1;
    if (fseek(file, 0, SEEK_END) == 0)
        size = ftell(file);
    if (size < 0 || fseek(file, 0, SEEK_SET) != 0) {
        status = aimrt_error_set(error, AIMRT_ERR_IO, "%s: cannot determine the file size", path);
        goto cleanup;
    }
    /* A file over the limit is rejected before its bytes are read into memory. */
    const aimrt_limits resolved = program_limits_resolve(limits);
    status = program_limit_check(error, AIMRT_ERR_INVALID_PROGRAM, "program", (int64_t)size,
                                 "bytes", resolved.max_program_bytes, "max_program_bytes");
    if (status != AIMRT_OK)
        goto prefix;
    bytes = malloc(size > 0 ? (size_t)size : 1);
    if (!bytes) {
        status = aimrt_error_set(error, AIMRT_ERR_NOMEM, "%s: out of memory for %ld bytes", path,
                                 size);
        goto cleanup;
    }
    if (fread(bytes, 1, (size_t)size, file) != (size_t)size) {
        status = aimrt_error_set(error, AIMRT_ERR_IO, "%s: read failed", path);
        goto cleanup;
    }
    status = aimrt_program_load_limited(bytes, (size_t)size, &resolved, out, error);

prefix:
    if (status != AIMRT_OK && error) {
        /* Prefix the reason with the file so a command line shows where it came from. */
        char line[sizeof error->message + 512];
        snprintf(line, sizeof line, "%.500s: %s", path, error->message);
        snprintf(error->message, sizeof error->message, "%.*s",
                 (int)(sizeof error->message - 1), line);
    }

cleanup:
    free(bytes);
    fclose(file);
    return status;
}

void aimrt_program_free(aimrt_program *program)
{
    if (!program)
        return;
    for (int i = 0; i < program->n_ops; i++) {
        program_op *op = &program->ops[i];
        free(op->inputs);
        free(op->outputs);
        for (int a = 0; a < op->n_attrs; a++) {
            free((void *)op->attrs[a].ints);
            free((void *)op->attrs[a].floats);
        }
        free(op->attrs);
        free(op->blocks);
    }
    free(program->ops);
    free(program->inputs);
    free(program->outputs);
    free(program->output_names);
    free(program->meta);
    free(program->tiles);
    free(program->kinds);
    free(program->tensors);
    free(program->image);
    free(program);
}
