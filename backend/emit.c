/* SPDX-License-Identifier: MIT */
/*
 * The backend's entry points: build every section of a program from the
 * module, lay them out behind the header on 64-byte boundaries, stamp the
 * CRC-32, and write the file atomically (temporary file, then rename).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "backend/emit_internal.h"
#include "ir/report_cost.h"
#include "ir/temp_file.h"
#include "ir/target.h"

#ifndef AIMCC_VERSION
#define AIMCC_VERSION "unknown"
#endif

aimcc_status emit_fail_nomem(emit_state *state)
{
    return aimcc_fail(state->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                      "out of memory while building the program");
}

/* Appends one metadata entry. */
static void emit_meta(emit_state *state, const char *key, const char *value)
{
    emit_buffer *meta = emit_section(state, AIMRT_SECTION_METADATA);
    emit_put_u32(meta, emit_string(&state->strings, key));
    emit_put_u32(meta, emit_string(&state->strings, value));
    state->counts[AIMRT_SECTION_METADATA - 1]++;
}

/* Records the source model's base name, size and CRC-32. */
static aimcc_status emit_source(emit_state *state)
{
    FILE *file = fopen(state->source_path, "rb");
    if (!file)
        return aimcc_fail(state->ctx, AIMCC_ERR_IO, NULL, NULL,
                          "%s: cannot open the source model to record its CRC-32",
                          state->source_path);
    uLong crc = crc32(0L, Z_NULL, 0);
    uint64_t size = 0;
    unsigned char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) {
        crc = crc32(crc, chunk, (uInt)n);
        size += n;
    }
    const bool failed = ferror(file) != 0;
    fclose(file);
    if (failed)
        return aimcc_fail(state->ctx, AIMCC_ERR_IO, NULL, NULL, "%s: read failed",
                          state->source_path);

    const char *slash = strrchr(state->source_path, '/');
    char text[32];
    emit_meta(state, "source_name", slash ? slash + 1 : state->source_path);
    snprintf(text, sizeof text, "%llu", (unsigned long long)size);
    emit_meta(state, "source_size", text);
    snprintf(text, sizeof text, "%08lx", (unsigned long)crc);
    emit_meta(state, "source_crc32", text);
    return AIMCC_OK;
}

aimcc_status emit_metadata(emit_state *state)
{
    const aimcc_module *module = state->module;
    emit_meta(state, "compiler", "aimcc");
    emit_meta(state, "compiler_version", AIMCC_VERSION);
    emit_meta(state, "module", module->name);
    if (module->target) {
        emit_meta(state, "target", module->target->name);
        emit_meta(state, "target_json", module->target->json);
    } else if (module->target_name) {
        emit_meta(state, "target", module->target_name);
    }
    /* The per-layer cost estimates, for `aimcc inspect` (a program has no IR). */
    char *estimates = aimcc_report_cost_text(module);
    if (!estimates)
        return emit_fail_nomem(state);
    emit_meta(state, AIMCC_COST_METADATA_KEY, estimates);
    cJSON_free(estimates);
    return state->source_path ? emit_source(state) : AIMCC_OK;
}

/* Lays the sections out behind the header and stamps the CRC. */
static aimcc_status assemble(emit_state *state, void **bytes, size_t *size)
{
    emit_buffer *sections = state->sections;
    sections[AIMRT_SECTION_STRINGS - 1] = state->strings.bytes;
    state->counts[AIMRT_SECTION_STRINGS - 1] = state->strings.count;

    uint64_t total = AIMRT_HEADER_SIZE;
    uint64_t offsets[AIMRT_SECTION_COUNT];
    for (int i = 0; i < AIMRT_SECTION_COUNT; i++) {
        if (sections[i].failed)
            return emit_fail_nomem(state);
        offsets[i] = aimrt_align_up(total, AIMRT_FORMAT_ALIGN);
        total = offsets[i] + sections[i].size;
    }
    /* The file ends with the last section, so cutting any byte breaks a section. */
    uint8_t *image = calloc(1, (size_t)total);
    if (!image)
        return emit_fail_nomem(state);

    memcpy(image, AIMRT_FORMAT_MAGIC, 4);
    aimrt_put_u32(image + AIMRT_HEADER_VERSION, AIMRT_FORMAT_VERSION);
    aimrt_put_u32(image + AIMRT_HEADER_FLAGS, 0);
    aimrt_put_u64(image + AIMRT_HEADER_FILE_SIZE, total);
    aimrt_put_u32(image + AIMRT_HEADER_N_SECTIONS, AIMRT_SECTION_COUNT);
    aimrt_put_u32(image + AIMRT_HEADER_SIZE_FIELD, AIMRT_HEADER_SIZE);
    for (int i = 0; i < AIMRT_SECTION_COUNT; i++) {
        uint8_t *entry = image + AIMRT_HEADER_TABLE + i * AIMRT_SECTION_ENTRY_SIZE;
        aimrt_put_u32(entry, (uint32_t)(i + 1));
        aimrt_put_u32(entry + 4, state->counts[i]);
        aimrt_put_u64(entry + 8, offsets[i]);
        aimrt_put_u64(entry + 16, sections[i].size);
        if (sections[i].size > 0)
            memcpy(image + offsets[i], sections[i].data, sections[i].size);
    }

    /* The CRC covers the whole file with its own field still zero. */
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t at = 0; at < total;) {
        const uint64_t piece = total - at > (1u << 30) ? (1u << 30) : total - at;
        crc = crc32(crc, image + at, (uInt)piece);
        at += piece;
    }
    aimrt_put_u32(image + AIMRT_HEADER_CRC, (uint32_t)crc);
    *bytes = image;
    *size = (size_t)total;
    return AIMCC_OK;
}

static aimcc_status build(aimcc_ctx *ctx, const aimcc_module *module, const char *source_path,
                          void **bytes, size_t *size)
{
    emit_state state = {.ctx = ctx, .module = module, .source_path = source_path};
    aimcc_status status = AIMCC_OK;
    const size_t n_values = (size_t)module->n_values + 1;
    state.tensor_of_value = malloc(n_values * sizeof *state.tensor_of_value);
    state.weight_of_value = malloc(n_values * sizeof *state.weight_of_value);
    if (!state.tensor_of_value || !state.weight_of_value) {
        status = emit_fail_nomem(&state);
        goto cleanup;
    }
    for (size_t i = 0; i < n_values; i++)
        state.tensor_of_value[i] = state.weight_of_value[i] = -1;

    /* Offset 0 is the empty string, which stands for a missing name. */
    emit_string(&state.strings, "");
    status = emit_code(&state);
    if (status == AIMCC_OK)
        status = emit_tiles(&state);
    if (status == AIMCC_OK)
        status = emit_metadata(&state);
    if (status == AIMCC_OK)
        status = assemble(&state, bytes, size);

cleanup:
    for (int i = 0; i < AIMRT_SECTION_COUNT; i++) {
        if (i != AIMRT_SECTION_STRINGS - 1)
            free(state.sections[i].data);
    }
    emit_strings_free(&state.strings);
    free(state.tensor_of_value);
    free(state.weight_of_value);
    return status;
}

aimcc_status aimcc_emit_program_bytes(aimcc_ctx *ctx, const aimcc_module *module, void **bytes,
                                      size_t *size)
{
    if (!module || !bytes || !size)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "aimcc_emit_program_bytes: module, bytes and size must not be NULL");
    *bytes = NULL;
    *size = 0;
    return build(ctx, module, NULL, bytes, size);
}

/* Writes size bytes to a temporary file beside path, then renames it over path. */
static aimcc_status write_atomically(aimcc_ctx *ctx, const char *path, const void *bytes,
                                     size_t size)
{
    const size_t length = strlen(path);
    char *temp = malloc(length + 16);
    if (!temp)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory for a file name");
    snprintf(temp, length + 16, "%s.tmp.XXXXXX", path);

    const int fd = aimcc_temp_file_create(temp);
    if (fd < 0) {
        const aimcc_status status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                                               "%s: cannot create a temporary file in its folder "
                                               "(%s); check that the folder exists and is "
                                               "writable", path, strerror(errno));
        free(temp);
        return status;
    }
    FILE *file = fdopen(fd, "wb");
    bool ok = file && fwrite(bytes, 1, size, file) == size;
    const int saved_errno = errno;
    if (file)
        ok = fclose(file) == 0 && ok;
    else
        close(fd);
    if (ok && rename(temp, path) != 0)
        ok = false;

    aimcc_status status = AIMCC_OK;
    if (!ok) {
        status = aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL, "%s: writing the program failed (%s)",
                            path, strerror(errno ? errno : saved_errno));
        remove(temp);
    }
    free(temp);
    return status;
}

aimcc_status aimcc_emit_program_source(aimcc_ctx *ctx, const aimcc_module *module,
                                       const char *source_path, const char *path)
{
    if (!module || !path)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "aimcc_emit_program: module and path must not be NULL");
    void *bytes = NULL;
    size_t size = 0;
    aimcc_status status = build(ctx, module, source_path, &bytes, &size);
    if (status == AIMCC_OK)
        status = write_atomically(ctx, path, bytes, size);
    free(bytes);
    return status;
}

aimcc_status aimcc_emit_program(aimcc_ctx *ctx, const aimcc_module *module, const char *path)
{
    return aimcc_emit_program_source(ctx, module, NULL, path);
}
