/* SPDX-License-Identifier: MIT */
/*
 * aimcc run: runs a compiled program once on input tensors and writes its
 * outputs as OUTDIR/output_K.pb (or .npy), in graph-output order: the layout
 * of the ONNX backend test data. Inputs are bound to graph inputs by their
 * TensorProto name when it matches one, and by order otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "session.h"
#include "tensor_file.h"

enum {
    OPT_INPUT = 1,
    OPT_OUTPUT,
    OPT_FORMAT,
};

static const cli_option run_options[] = {
    {OPT_INPUT, "--input", "-i", "INPUT",
     "An input tensor file: ONNX TensorProto (.pb) or numpy (.npy), with the graph input's "
     "dtype. Repeat for each graph input. A batched input may hold several samples along its "
     "first axis."},
    {OPT_OUTPUT, "--output", "-o", "OUTDIR",
     "Folder for the outputs output_0.pb, output_1.pb, ...; created when missing. Required."},
    CLI_DEVICE_OPTIONS,
    {OPT_FORMAT, "--format", NULL, "pb|npy",
     "File format of the outputs: ONNX TensorProto (pb) or numpy (npy). Default: pb."},
    CLI_PROGRAM_LIMIT_OPTIONS,
    CLI_SESSION_LIMIT_OPTIONS,
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_run_command = {
    .name = "run",
    .usage = "aimcc run PROG.aimc -i INPUT [-i INPUT ...] -o OUTDIR [--device exact|sim] "
             "[--seed N] [--time SECONDS] [--format pb|npy] [--max-program-bytes N] "
             "[--max-session-bytes N] ...",
    .summary = "Run a compiled program on input tensors and write its outputs. Inputs bind to "
               "graph inputs by TensorProto name, else by order; outputs are written in "
               "graph-output order as OUTDIR/output_K.pb or .npy.",
    .options = run_options,
    .verbose_help =
        "Print more: -v names each output file as it is written, and logs the per-chip "
        "calibration fit of each op with probes and each drift compensation re-measure; -vv "
        "adds nothing to -v.",
};

/* The options of one run command. */
typedef struct run_request {
    const char *program;
    const char **inputs;
    int n_inputs;
    const char *outdir;
    cli_tensor_format format;
    cli_device_options device;
} run_request;

/* One input file bound to a graph input. */
typedef struct bound_input {
    const char *path;
    const char *name;
    aimrt_tensor tensor;
    int graph_input; /* -1 until bound */
} bound_input;

/* Parses the arguments; returns an exit status or -1 to go on. */
static int parse_arguments(int argc, char **argv, run_request *request)
{
    cli_args args;
    cli_args_init(&args, &cli_run_command, argc, argv);
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        int status = -1;
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (request->program)
                return cli_usage_error(&cli_run_command,
                                       "one program expected, but got \"%s\" and \"%s\"; give "
                                       "inputs with -i",
                                       request->program, value);
            request->program = value;
            break;
        case OPT_INPUT: request->inputs[request->n_inputs++] = value; break;
        case OPT_OUTPUT: request->outdir = value; break;
        case OPT_FORMAT:
            if (strcmp(value, "pb") == 0)
                request->format = CLI_TENSOR_PB;
            else if (strcmp(value, "npy") == 0)
                request->format = CLI_TENSOR_NPY;
            else
                return cli_usage_error(&cli_run_command,
                                       "option --format needs pb or npy, not \"%s\"", value);
            break;
        default: status = cli_device_options_apply(&cli_run_command, &request->device, id, value);
        }
        if (status >= 0)
            return status;
    }
    if (!request->program)
        return cli_usage_error(&cli_run_command, "missing the program file PROG.aimc");
    if (request->n_inputs == 0)
        return cli_usage_error(&cli_run_command, "missing the inputs: give -i INPUT for each "
                                                 "graph input");
    if (!request->outdir)
        return cli_usage_error(&cli_run_command, "missing the output folder: give -o OUTDIR");
    return -1;
}

/* Binds input files to graph inputs: by name first, then the rest in order. */
static aimcc_status bind_inputs(aimcc_ctx *ctx, const aimrt_program *program, bound_input *inputs,
                                int n_inputs, const char *program_path)
{
    const int n_graph = aimrt_program_n_inputs(program);
    aimcc_ctx_set_file(ctx, program_path);
    if (n_inputs != n_graph)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "the program has %d graph input%s but %d input file%s given; give "
                          "one -i per graph input",
                          n_graph, n_graph == 1 ? "" : "s", n_inputs,
                          n_inputs == 1 ? " was" : "s were");

    int *file_of = malloc((size_t)(n_graph > 0 ? n_graph : 1) * sizeof *file_of);
    if (!file_of)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");
    for (int g = 0; g < n_graph; g++)
        file_of[g] = -1;

    for (int i = 0; i < n_inputs; i++) {
        inputs[i].graph_input = -1;
        for (int g = 0; inputs[i].name[0] && g < n_graph; g++) {
            aimrt_io_info info;
            aimrt_program_input(program, g, &info);
            if (file_of[g] < 0 && info.name && strcmp(info.name, inputs[i].name) == 0) {
                file_of[g] = i;
                inputs[i].graph_input = g;
                break;
            }
        }
    }
    int next = 0;
    for (int i = 0; i < n_inputs; i++) {
        while (inputs[i].graph_input < 0 && next < n_graph && file_of[next] >= 0)
            next++;
        if (inputs[i].graph_input < 0) {
            file_of[next] = i;
            inputs[i].graph_input = next;
        }
    }
    free(file_of);
    return AIMCC_OK;
}

/* Checks a bound input's dtype and size and returns its batch in *batch. */
static aimcc_status check_input(aimcc_ctx *ctx, const aimrt_program *program,
                                const bound_input *input, int64_t *batch)
{
    aimrt_io_info info;
    aimrt_program_input(program, input->graph_input, &info);
    int64_t expected = 0, actual = 0;
    aimrt_shape_count(info.rank, info.dims, 0, &expected);
    aimrt_shape_count(input->tensor.rank, input->tensor.dims, 0, &actual);

    /* A batched input carries its batch on the first axis; the rest is one sample. */
    *batch = 1;
    if (info.batched && input->tensor.rank == info.rank && info.rank > 0 && expected > 0) {
        *batch = input->tensor.dims[0];
        actual = *batch == 0 ? 0 : actual / *batch;
    }

    char want[256], have[256];
    cli_format_shape(info.dtype, info.rank, info.dims, want, sizeof want);
    cli_format_shape(input->tensor.dtype, input->tensor.rank, input->tensor.dims, have,
                     sizeof have);
    aimcc_ctx_set_file(ctx, input->path);
    if (input->tensor.dtype != info.dtype || actual != expected || *batch < 1)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, info.name, NULL,
                          "graph input expects %s%s but the file holds %s; convert the tensor to "
                          "that dtype and element count",
                          want, info.batched ? " (first axis = batch)" : "", have);
    return AIMCC_OK;
}

/* Reads, binds and checks every input; returns the common batch in *batch. */
static aimcc_status load_inputs(aimcc_ctx *ctx, aimcc_arena *arena, const run_request *request,
                                const aimrt_program *program, bound_input *inputs,
                                int64_t *batch)
{
    for (int i = 0; i < request->n_inputs; i++) {
        inputs[i].path = request->inputs[i];
        const aimcc_status status = cli_tensor_read(ctx, arena, "-i", inputs[i].path,
                                                    &inputs[i].name, &inputs[i].tensor);
        if (status != AIMCC_OK)
            return status;
    }
    aimcc_status status = bind_inputs(ctx, program, inputs, request->n_inputs, request->program);
    *batch = 0;
    for (int i = 0; status == AIMCC_OK && i < request->n_inputs; i++) {
        int64_t input_batch = 1;
        status = check_input(ctx, program, &inputs[i], &input_batch);
        aimrt_io_info info;
        aimrt_program_input(program, inputs[i].graph_input, &info);
        if (status != AIMCC_OK || !info.batched)
            continue;
        if (*batch && input_batch != *batch)
            return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, info.name, NULL,
                              "batch %lld differs from the batch %lld of the other inputs; give "
                              "every batched input the same first dimension",
                              (long long)input_batch, (long long)*batch);
        *batch = input_batch;
    }
    if (*batch == 0)
        *batch = 1;
    return status;
}

/* Allocates the output views at batch. */
static aimcc_status make_outputs(aimcc_ctx *ctx, aimcc_arena *arena,
                                 const aimrt_program *program, int64_t batch,
                                 aimrt_tensor *outputs)
{
    for (int i = 0; i < aimrt_program_n_outputs(program); i++) {
        aimrt_io_info info;
        aimrt_program_output(program, i, &info);
        aimrt_tensor *out = &outputs[i];
        out->dtype = info.dtype;
        out->rank = info.rank;
        memcpy(out->dims, info.dims, sizeof out->dims);
        if (info.batched && info.rank > 0)
            out->dims[0] = batch;
        int64_t count = 0;
        const size_t elem_size = aimrt_dtype_size(info.dtype);
        if (!aimrt_shape_count(out->rank, out->dims, elem_size, &count))
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, info.name, NULL,
                              "output size overflows at batch %lld", (long long)batch);
        out->data = aimcc_arena_alloc(arena, count ? (size_t)count * elem_size : 1);
        if (!out->data)
            return aimcc_fail(ctx, AIMCC_ERR_NOMEM, info.name, NULL,
                              "out of memory for the output at batch %lld", (long long)batch);
    }
    return AIMCC_OK;
}

/* Writes every output into the output folder. */
static aimcc_status write_outputs(aimcc_ctx *ctx, const run_request *request,
                                  const aimrt_program *program, const aimrt_tensor *outputs)
{
    aimcc_status status = cli_make_folder(ctx, request->outdir);
    const char *extension = request->format == CLI_TENSOR_NPY ? "npy" : "pb";
    for (int i = 0; status == AIMCC_OK && i < aimrt_program_n_outputs(program); i++) {
        aimrt_io_info info;
        aimrt_program_output(program, i, &info);
        char path[4096];
        snprintf(path, sizeof path, "%s/output_%d.%s", request->outdir, i, extension);
        status = cli_tensor_write(ctx, path, info.name, &outputs[i], request->format);
        if (status == AIMCC_OK)
            AIMCC_LOG(AIMCC_LOG_INFO, NULL, NULL, "wrote %s", path);
    }
    return status;
}

/* Runs the program once on the bound inputs. */
static aimcc_status run_program(aimcc_ctx *ctx, aimcc_arena *arena, const run_request *request,
                                cli_session *session)
{
    const aimrt_program *program = session->program;
    bound_input *inputs = aimcc_arena_calloc(arena, (size_t)request->n_inputs, sizeof *inputs);
    const int n_outputs = aimrt_program_n_outputs(program);
    aimrt_tensor *outputs = aimcc_arena_calloc(arena, (size_t)n_outputs + 1, sizeof *outputs);
    const void **input_data = aimcc_arena_calloc(arena, (size_t)request->n_inputs, sizeof(void *));
    void **output_data = aimcc_arena_calloc(arena, (size_t)n_outputs + 1, sizeof(void *));
    if (!inputs || !outputs || !input_data || !output_data)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory");

    int64_t batch = 1;
    aimcc_status status = load_inputs(ctx, arena, request, program, inputs, &batch);
    if (status == AIMCC_OK)
        status = make_outputs(ctx, arena, program, batch, outputs);
    if (status == AIMCC_OK)
        status = cli_session_start(ctx, session, &request->device, request->device.seed, batch);
    if (status != AIMCC_OK)
        return status;

    for (int i = 0; i < request->n_inputs; i++)
        input_data[inputs[i].graph_input] = inputs[i].tensor.data;
    for (int i = 0; i < n_outputs; i++)
        output_data[i] = outputs[i].data;
    aimrt_error error = {0};
    if (aimrt_session_run(session->session, batch, 0, input_data, output_data, &error) != AIMRT_OK)
        return cli_fail_runtime(ctx, request->program, &error);
    return write_outputs(ctx, request, program, outputs);
}

int cli_run_main(int argc, char **argv)
{
    run_request request = {0};
    cli_device_options_init(&request.device);
    request.inputs = calloc((size_t)argc, sizeof *request.inputs);
    if (!request.inputs)
        return cli_error("out of memory");
    int exit_status = parse_arguments(argc, argv, &request);
    if (exit_status >= 0) {
        free(request.inputs);
        return exit_status;
    }

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    cli_session session = {0};
    if (!ctx || !arena) {
        exit_status = cli_error("out of memory");
        goto cleanup;
    }
    aimcc_status status = cli_session_load(ctx, request.program, &request.device.limits, &session);
    if (status == AIMCC_OK)
        status = run_program(ctx, arena, &request, &session);
    exit_status = status == AIMCC_OK ? CLI_EXIT_OK : cli_report(ctx);

cleanup:
    cli_session_close(&session);
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
    free(request.inputs);
    return exit_status;
}
