/* SPDX-License-Identifier: MIT */
/*
 * A program that embeds the installed libaimrt: loads a compiled .aimc
 * program, binds it to the exact device, runs one sample read from a raw file
 * and prints the index of the largest element of output 0. tests/test_install.c
 * builds it with pkg-config and with the CMake package.
 *
 * Usage: embed PROGRAM.aimc INPUT.bin, where INPUT.bin contains input 0 of one
 * sample in the program's element type, little-endian, row-major.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aimrt/aimrt.h>

/* Returns the byte size of one sample of an input or output, or 0 on overflow. */
static size_t sample_bytes(const aimrt_io_info *info)
{
    int64_t count = 0;
    const size_t elem_size = aimrt_dtype_size(info->dtype);
    if (elem_size == 0 || !aimrt_shape_count(info->rank, info->dims, elem_size, &count))
        return 0;
    return (size_t)count * elem_size;
}

/* Reads exactly size bytes from path into a new buffer; returns NULL on failure. */
static void *read_input(const char *path, size_t size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "embed: error: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    void *data = malloc(size);
    const size_t n_read = data ? fread(data, 1, size, file) : 0;
    const int extra = fgetc(file);
    fclose(file);
    if (!data || n_read != size || extra != EOF) {
        fprintf(stderr, "embed: error: %s must hold exactly %zu bytes\n", path, size);
        free(data);
        return NULL;
    }
    return data;
}

/* Runs one sample through the program on the exact device; returns 0 on success. */
static int run_sample(const aimrt_program *program, const void *input, float *output)
{
    const int32_t n_tiles = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc(n_tiles > 0 ? (size_t)n_tiles : 1, sizeof *tiles);
    if (!tiles)
        return 1;
    aimrt_program_tiles(program, tiles);

    aimrt_device *device = NULL;
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    int failed = 1;
    aimrt_status status = aimrt_device_exact_create(n_tiles, tiles, &device);
    if (status != AIMRT_OK) {
        fprintf(stderr, "embed: error: creating the exact device failed: %s\n",
                aimrt_status_name(status));
        goto cleanup;
    }
    if (aimrt_session_create(program, device, 1, &session, &error) != AIMRT_OK) {
        fprintf(stderr, "embed: error: creating the session failed: %s\n", error.message);
        goto cleanup;
    }
    const void *inputs[1] = {input};
    void *outputs[1] = {output};
    if (aimrt_session_run(session, 1, 0, inputs, outputs, &error) != AIMRT_OK) {
        fprintf(stderr, "embed: error: the run failed: %s\n", error.message);
        goto cleanup;
    }
    failed = 0;

cleanup:
    if (session)
        aimrt_session_free(session);
    if (device) {
        device->destroy(device->state);
        aimrt_device_free(device);
    }
    free(tiles);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed PROGRAM.aimc INPUT.bin\n");
        return 2;
    }

    aimrt_program *program = NULL;
    aimrt_error error = {0};
    if (aimrt_program_load_file(argv[1], &program, &error) != AIMRT_OK) {
        fprintf(stderr, "embed: error: %s\n", error.message);
        return 1;
    }

    aimrt_io_info in_info, out_info;
    int exit_status = 1;
    void *input = NULL;
    float *output = NULL;
    if (aimrt_program_n_inputs(program) != 1 ||
        aimrt_program_input(program, 0, &in_info) != AIMRT_OK ||
        aimrt_program_output(program, 0, &out_info) != AIMRT_OK) {
        fprintf(stderr, "embed: error: %s must have one input and an output\n", argv[1]);
        goto cleanup;
    }
    if (out_info.dtype != AIMRT_DTYPE_FLOAT || sample_bytes(&out_info) == 0) {
        fprintf(stderr, "embed: error: output 0 of %s must be a non-empty float tensor\n",
                argv[1]);
        goto cleanup;
    }
    const size_t in_size = sample_bytes(&in_info);
    const size_t n_out = sample_bytes(&out_info) / sizeof(float);
    input = in_size ? read_input(argv[2], in_size) : NULL;
    output = malloc(n_out * sizeof *output);
    if (!input || !output || run_sample(program, input, output) != 0)
        goto cleanup;

    /* The first maximum is the prediction, as aimcc eval counts it. */
    size_t best = 0;
    for (size_t i = 1; i < n_out; i++) {
        if (output[i] > output[best])
            best = i;
    }
    printf("%zu\n", best);
    exit_status = 0;

cleanup:
    free(input);
    free(output);
    aimrt_program_free(program);
    return exit_status;
}
