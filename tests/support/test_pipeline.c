/* SPDX-License-Identifier: MIT */
/*
 * Compile-and-run helpers for the conformance tests (see test_pipeline.h): the compile
 * through aimcc_compile_model and the program writer, the run on the exact device, and the
 * tensor readers.
 */
#include "test_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/onnx_import.h"
#include "ir/arena.h"

static char temp_dir[256];

static void remove_temp_dir(void)
{
    if (temp_dir[0] != '\0')
        rmdir(temp_dir);
}

/* Returns a folder private to this process for compiled programs, created once. */
static const char *program_dir(void)
{
    if (temp_dir[0] != '\0')
        return temp_dir;
    const char *base = getenv("TMPDIR");
    snprintf(temp_dir, sizeof temp_dir, "%s/aimcc-test-XXXXXX", base != NULL ? base : "/tmp");
    if (mkdtemp(temp_dir) == NULL) {
        temp_dir[0] = '\0';
        return NULL;
    }
    atexit(remove_temp_dir);
    return temp_dir;
}

static bool read_file_bytes(const char *path, unsigned char **bytes, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return false;
    bool ok = false;
    unsigned char *data = NULL;
    if (fseek(file, 0, SEEK_END) != 0)
        goto cleanup;
    const long length = ftell(file);
    if (length < 0 || fseek(file, 0, SEEK_SET) != 0)
        goto cleanup;
    data = malloc(length > 0 ? (size_t)length : 1);
    if (data == NULL || fread(data, 1, (size_t)length, file) != (size_t)length)
        goto cleanup;
    *bytes = data;
    *size = (size_t)length;
    data = NULL;
    ok = true;
cleanup:
    free(data);
    fclose(file);
    return ok;
}

static void fill_failure(test_program *out, const aimcc_ctx *ctx)
{
    out->diag = *aimcc_ctx_diag(ctx);
    out->status = out->diag.status;
    aimcc_diag_format(&out->diag, out->message, sizeof out->message);
}

aimcc_status test_compile_file(const char *model_path, const aimcc_options *options,
                               test_program *out)
{
    memset(out, 0, sizeof *out);
    aimcc_options effective = {0};
    if (options != NULL)
        effective = *options;
    if (effective.target == NULL)
        effective.target = "float";

    aimcc_ctx *ctx = aimcc_ctx_create();
    if (ctx == NULL) {
        out->status = AIMCC_ERR_NOMEM;
        snprintf(out->message, sizeof out->message, "out of memory creating a context");
        return out->status;
    }
    aimcc_compile *compile = NULL;
    char path[320] = "";
    aimcc_status status = aimcc_compile_model(ctx, model_path, &effective, &compile);
    if (status != AIMCC_OK) {
        fill_failure(out, ctx);
        if (out->status == AIMCC_OK)
            out->status = status;
        goto cleanup;
    }

    const char *dir = program_dir();
    if (dir == NULL) {
        out->status = AIMCC_ERR_IO;
        snprintf(out->message, sizeof out->message, "cannot create a temporary folder in /tmp");
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/program.aimc", dir);
    status = aimcc_compile_write_program(ctx, compile, path);
    if (status != AIMCC_OK) {
        fill_failure(out, ctx);
        if (out->status == AIMCC_OK)
            out->status = status;
        goto cleanup;
    }
    if (!read_file_bytes(path, &out->bytes, &out->size)) {
        out->status = AIMCC_ERR_IO;
        snprintf(out->message, sizeof out->message, "%s: cannot read back the written program",
                 path);
        goto cleanup;
    }
    out->status = AIMCC_OK;

cleanup:
    if (path[0] != '\0')
        unlink(path);
    aimcc_compile_destroy(compile);
    aimcc_ctx_destroy(ctx);
    return out->status;
}

void test_program_free(test_program *program)
{
    free(program->bytes);
    program->bytes = NULL;
    program->size = 0;
}

int64_t test_tensor_count(const aimrt_tensor *tensor)
{
    int64_t count = 1;
    for (int i = 0; i < tensor->rank; i++)
        count *= tensor->dims[i];
    return count;
}

bool test_tensor_alloc(test_tensor *out, const char *name, aimrt_dtype dtype, int rank,
                       const int64_t *dims)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name != NULL ? name : "");
    if (rank < 0 || rank > AIMRT_MAX_RANK)
        return false;
    out->tensor.dtype = dtype;
    out->tensor.rank = rank;
    for (int i = 0; i < rank; i++)
        out->tensor.dims[i] = dims[i];
    const size_t elem_size = aimrt_dtype_size(dtype);
    int64_t count;
    if (elem_size == 0 || !aimrt_shape_count(rank, dims, elem_size, &count))
        return false;
    out->tensor.data = calloc(count > 0 ? (size_t)count : 1, elem_size);
    return out->tensor.data != NULL;
}

void test_tensor_free(test_tensor *tensor)
{
    free(tensor->tensor.data);
    tensor->tensor.data = NULL;
}

aimcc_status test_tensor_read_pb(const char *path, test_tensor *out, char *message, size_t size)
{
    memset(out, 0, sizeof *out);
    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    aimcc_status status = AIMCC_ERR_NOMEM;
    if (ctx == NULL || arena == NULL) {
        snprintf(message, size, "%s: out of memory", path);
        goto cleanup;
    }
    const char *name = NULL;
    aimrt_tensor tensor;
    status = aimcc_onnx_read_tensor(ctx, arena, path, &name, &tensor);
    if (status != AIMCC_OK) {
        aimcc_diag_format(aimcc_ctx_diag(ctx), message, size);
        goto cleanup;
    }
    if (!test_tensor_alloc(out, name, tensor.dtype, tensor.rank, tensor.dims)) {
        status = AIMCC_ERR_NOMEM;
        snprintf(message, size, "%s: out of memory for the tensor", path);
        goto cleanup;
    }
    const size_t bytes = (size_t)test_tensor_count(&tensor) * aimrt_dtype_size(tensor.dtype);
    if (bytes > 0)
        memcpy(out->tensor.data, tensor.data, bytes);
    status = AIMCC_OK;

cleanup:
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
    return status;
}

/* Finds the tensor for program input info: by name, else the next tensor not taken yet. */
static const test_tensor *match_input(const aimrt_io_info *info, const test_tensor *inputs,
                                      int n_inputs, bool *taken)
{
    for (int i = 0; i < n_inputs; i++) {
        if (!taken[i] && info->name != NULL && strcmp(inputs[i].name, info->name) == 0) {
            taken[i] = true;
            return &inputs[i];
        }
    }
    for (int i = 0; i < n_inputs; i++) {
        if (!taken[i]) {
            taken[i] = true;
            return &inputs[i];
        }
    }
    return NULL;
}

static void format_dims(char *buf, size_t size, int rank, const int64_t *dims)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i > 0 ? "," : "",
                                 (long long)dims[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

/* Checks one input tensor against the program's description and derives its batch
 * (0 for an unbatched input). Returns false with a reason in message. */
static bool check_input(const aimrt_io_info *info, const aimrt_tensor *tensor, int64_t *batch,
                        char *message, size_t size)
{
    char want[128], have[128];
    format_dims(want, sizeof want, info->rank, info->dims);
    format_dims(have, sizeof have, tensor->rank, tensor->dims);
    if (tensor->dtype != info->dtype) {
        snprintf(message, size, "input \"%s\": dtype %s given, the program takes %s", info->name,
                 aimrt_dtype_name(tensor->dtype), aimrt_dtype_name(info->dtype));
        return false;
    }
    bool same = tensor->rank == info->rank;
    for (int d = info->batched ? 1 : 0; same && d < info->rank; d++)
        same = tensor->dims[d] == info->dims[d];
    if (!same || (info->batched && tensor->dims[0] < 1)) {
        snprintf(message, size, "input \"%s\": shape %s given, the program takes %s%s", info->name,
                 have, want, info->batched ? " with any batch in dim 0" : "");
        return false;
    }
    *batch = info->batched ? tensor->dims[0] : 0;
    return true;
}

/* Binds program inputs to tensors and derives the run's batch (1 when nothing is batched). */
static bool bind_inputs(const aimrt_program *program, const test_tensor *inputs, int n_inputs,
                        const void **pointers, int64_t *batch, char *message, size_t size)
{
    const int n_program = aimrt_program_n_inputs(program);
    bool *taken = calloc(n_inputs > 0 ? (size_t)n_inputs : 1, sizeof *taken);
    if (taken == NULL) {
        snprintf(message, size, "out of memory");
        return false;
    }
    bool ok = true;
    *batch = 0;
    for (int i = 0; ok && i < n_program; i++) {
        aimrt_io_info info;
        aimrt_program_input(program, i, &info);
        const test_tensor *tensor = match_input(&info, inputs, n_inputs, taken);
        int64_t input_batch = 0;
        if (tensor == NULL) {
            snprintf(message, size,
                     "input \"%s\": no tensor given (%d given, the program "
                     "takes %d)",
                     info.name, n_inputs, n_program);
            ok = false;
        } else if (!check_input(&info, &tensor->tensor, &input_batch, message, size)) {
            ok = false;
        } else if (input_batch > 0 && *batch > 0 && input_batch != *batch) {
            snprintf(message, size,
                     "input \"%s\": batch %lld differs from the batch %lld of "
                     "an earlier input",
                     info.name, (long long)input_batch, (long long)*batch);
            ok = false;
        } else {
            if (input_batch > 0)
                *batch = input_batch;
            pointers[i] = tensor->tensor.data;
        }
    }
    if (*batch == 0)
        *batch = 1;
    free(taken);
    return ok;
}

/* Allocates one tensor per program output for a run of batch samples. */
static bool alloc_outputs(const aimrt_program *program, int64_t batch, test_tensor *outputs,
                          void **pointers, char *message, size_t size)
{
    const int n_program = aimrt_program_n_outputs(program);
    memset(outputs, 0, (size_t)n_program * sizeof *outputs);
    for (int i = 0; i < n_program; i++) {
        aimrt_io_info info;
        aimrt_program_output(program, i, &info);
        int64_t dims[AIMRT_MAX_RANK];
        for (int d = 0; d < info.rank; d++)
            dims[d] = info.dims[d];
        if (info.batched && info.rank > 0)
            dims[0] = batch;
        if (!test_tensor_alloc(&outputs[i], info.name, info.dtype, info.rank, dims)) {
            snprintf(message, size, "output \"%s\": cannot allocate its tensor", info.name);
            return false;
        }
        pointers[i] = outputs[i].tensor.data;
    }
    return true;
}

/* Creates the exact device for the program's tiles. */
static aimrt_status create_device(const aimrt_program *program, aimrt_device **device,
                                  char *message, size_t size)
{
    const int32_t n_tiles = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc(n_tiles > 0 ? (size_t)n_tiles : 1, sizeof *tiles);
    if (tiles == NULL) {
        snprintf(message, size, "out of memory for %d tile descriptions", (int)n_tiles);
        return AIMRT_ERR_NOMEM;
    }
    aimrt_program_tiles(program, tiles);
    const aimrt_status status = aimrt_device_exact_create(n_tiles, tiles, device);
    if (status != AIMRT_OK)
        snprintf(message, size, "cannot create the exact device for %d tiles: %s", (int)n_tiles,
                 aimrt_status_name(status));
    free(tiles);
    return status;
}

aimrt_status test_run_program(const test_program *program, const test_tensor *inputs, int n_inputs,
                              test_tensor *outputs, int max_outputs, int *n_outputs, char *message,
                              size_t size)
{
    *n_outputs = 0;
    message[0] = '\0';
    aimrt_error error = {0};
    aimrt_program *loaded = NULL;
    aimrt_device *device = NULL;
    aimrt_session *session = NULL;
    const void **in_pointers = NULL;
    void **out_pointers = NULL;
    aimrt_status status = aimrt_program_load(program->bytes, program->size, &loaded, &error);
    if (status != AIMRT_OK) {
        snprintf(message, size, "program load: %s", error.message);
        return status;
    }

    const int n_in = aimrt_program_n_inputs(loaded);
    const int n_out = aimrt_program_n_outputs(loaded);
    in_pointers = calloc(n_in > 0 ? (size_t)n_in : 1, sizeof *in_pointers);
    out_pointers = calloc(n_out > 0 ? (size_t)n_out : 1, sizeof *out_pointers);
    int64_t batch = 1;
    status = AIMRT_ERR_INVALID_ARG;
    if (in_pointers == NULL || out_pointers == NULL) {
        status = AIMRT_ERR_NOMEM;
        snprintf(message, size, "out of memory");
        goto cleanup;
    }
    if (n_out > max_outputs) {
        snprintf(message, size, "the program has %d outputs, room for %d", n_out, max_outputs);
        goto cleanup;
    }
    if (!bind_inputs(loaded, inputs, n_inputs, in_pointers, &batch, message, size))
        goto cleanup;
    *n_outputs = n_out;
    if (!alloc_outputs(loaded, batch, outputs, out_pointers, message, size))
        goto cleanup;

    status = create_device(loaded, &device, message, size);
    if (status != AIMRT_OK)
        goto cleanup;
    status = aimrt_session_create(loaded, device, batch, &session, &error);
    if (status != AIMRT_OK) {
        snprintf(message, size, "session create: %s", error.message);
        goto cleanup;
    }
    status = aimrt_session_run(session, batch, 0, in_pointers, out_pointers, &error);
    if (status != AIMRT_OK)
        snprintf(message, size, "session run: %s", error.message);

cleanup:
    if (session != NULL)
        aimrt_session_free(session);
    if (device != NULL) {
        device->destroy(device->state);
        aimrt_device_free(device);
    }
    if (loaded != NULL)
        aimrt_program_free(loaded);
    free(in_pointers);
    free(out_pointers);
    if (status != AIMRT_OK) {
        for (int i = 0; i < *n_outputs; i++)
            test_tensor_free(&outputs[i]);
        *n_outputs = 0;
    }
    return status;
}

aimrt_device *test_exact_device(const aimrt_program *program)
{
    const int32_t n_tiles = aimrt_program_n_tiles(program);
    aimrt_tile_desc *tiles = calloc(n_tiles > 0 ? (size_t)n_tiles : 1, sizeof *tiles);
    if (tiles == NULL)
        return NULL;
    aimrt_program_tiles(program, tiles);
    aimrt_device *device = NULL;
    if (aimrt_device_exact_create(n_tiles, tiles, &device) != AIMRT_OK)
        device = NULL;
    free(tiles);
    return device;
}

void test_device_destroy(aimrt_device *device)
{
    if (device == NULL)
        return;
    device->destroy(device->state);
    aimrt_device_free(device);
}

aimrt_status test_run_vectors(const aimrt_program *program, const aimrt_device *device,
                              const float *x, int rows, int64_t k, float *y, int64_t n,
                              char *message, size_t size)
{
    aimrt_session *session = NULL;
    aimrt_error error = {0};
    aimrt_status status = aimrt_session_create(program, device, 1, &session, &error);
    if (status != AIMRT_OK) {
        snprintf(message, size, "session create: %s", error.message);
        return status;
    }

    for (int v = 0; v < rows && status == AIMRT_OK; v++) {
        const void *inputs[1] = {x + v * k};
        void *outputs[1] = {y + v * n};
        status = aimrt_session_run(session, 1, v, inputs, outputs, &error);
        if (status != AIMRT_OK)
            snprintf(message, size, "run of vector %d: %s", v, error.message);
    }
    aimrt_session_free(session);
    return status;
}
