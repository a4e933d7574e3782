/* SPDX-License-Identifier: MIT */
/*
 * Graph inputs and initializers become IR values. An input's leading
 * symbolic (or fixed 1) dimension is the run-time batch; other symbolic
 * dimensions take their size from --dim NAME=VALUE. --const NAME=FILE.pb
 * turns an input into a constant. An initializer that is also a graph input
 * (IR version 3) stays a constant, marked overridable.
 */
#include "frontend/onnx_frontend.h"
#include "frontend/onnx_import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const aimcc_binding *find_binding(const aimcc_binding *bindings, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (bindings[i].name && !strcmp(bindings[i].name, name))
            return &bindings[i];
    }
    return NULL;
}

/* Parses the size of a --dim binding: a positive integer, or an input error. */
static aimcc_status parse_dim_size(aimcc_ctx *ctx, const aimcc_binding *binding, int64_t *size)
{
    const char *text = binding->value ? binding->value : "";
    char *end = NULL;
    errno = 0;
    const long long value = strtoll(text, &end, 10);
    if (end == text || *end || errno || value <= 0)
        return aimcc_fail(ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                          "--dim %s=%s: the size must be a positive integer",
                          binding->name ? binding->name : "", text);
    *size = value;
    return AIMCC_OK;
}

/* Reads the size that --dim gives a symbolic dimension; *bound is false without one. */
static aimcc_status bound_dim(onnx_import *import, const char *param, bool *bound, int64_t *size)
{
    *bound = false;
    const aimcc_options *options = import->options;
    const aimcc_binding *binding =
        options && param && param[0] ? find_binding(options->dims, options->n_dims, param) : NULL;
    if (!binding)
        return AIMCC_OK;
    const aimcc_status status = parse_dim_size(import->ctx, binding, size);
    *bound = status == AIMCC_OK;
    return status;
}

/* Reads the declared shape of a graph input into value's dims and batch flag. */
static aimcc_status read_input_shape(onnx_import *import, const Onnx__ValueInfoProto *input,
                                     const Onnx__TensorShapeProto *shape, aimcc_value *value)
{
    const char *name = input->name;
    if (!shape)
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "graph input '%s' has no shape; aimcc compiles static shapes, so "
                          "re-export the model with input shapes or bind it with --const %s=FILE.pb",
                          name, name);
    if (shape->n_dim > AIMRT_MAX_RANK)
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "graph input '%s' has rank %zu; aimcc supports tensors of rank up to "
                          "%d, a fixed limit of the runtime (AIMRT_MAX_RANK) that no option "
                          "raises",
                          name, shape->n_dim, AIMRT_MAX_RANK);

    value->rank = (int)shape->n_dim;
    for (int axis = 0; axis < value->rank; axis++) {
        const Onnx__TensorShapeProto__Dimension *dim = shape->dim[axis];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (dim->dim_value < 0)
                return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                                  "graph input '%s' has the negative dimension %lld at axis %d; "
                                  "re-export the model",
                                  name, (long long)dim->dim_value, axis);
            value->dims[axis] = dim->dim_value;
            value->batched |= axis == 0 && dim->dim_value == 1 && !import->options->fixed_batch;
            continue;
        }
        const char *param =
            dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? dim->dim_param
                                                                                  : NULL;
        bool bound;
        aimcc_status status = bound_dim(import, param, &bound, &value->dims[axis]);
        if (status != AIMCC_OK)
            return status;
        if (bound) {
            value->batched |= axis == 0 && value->dims[axis] == 1 && !import->options->fixed_batch;
        } else if (axis == 0) {
            /* The exported size of a symbolic batch is 1; the runtime picks the real one. */
            value->dims[0] = 1;
            value->batched = true;
        } else if (param && param[0]) {
            return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                              "dimension %d of graph input '%s' is the symbolic '%s'; aimcc "
                              "compiles static shapes, so bind it with --dim %s=VALUE",
                              axis, name, param, param);
        } else {
            return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                              "dimension %d of graph input '%s' has neither a size nor a name; "
                              "re-export the model with a fixed size for it",
                              axis, name);
        }
    }
    int64_t count;
    if (!aimrt_shape_count(value->rank, value->dims, aimrt_dtype_size(value->dtype), &count))
        return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_MODEL, NULL, NULL,
                          "graph input '%s' of shape %s is too large: its byte size overflows "
                          "64 bits",
                          name, onnx_format_dims(import->arena, value->rank, value->dims));
    return onnx_limit_tensor(import, NULL, "graph input", name, value->dtype, value->rank,
                             value->dims);
}

/* Reads the element type of a graph input; only tensors of aimcc's dtypes pass. */
static aimcc_status read_input_type(onnx_import *import, const Onnx__ValueInfoProto *input,
                                    aimrt_dtype *dtype, const Onnx__TensorShapeProto **shape)
{
    const Onnx__TypeProto *type = input->type;
    if (!type || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !type->tensor_type)
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "graph input '%s' is not a dense tensor (a sequence, map, optional or "
                          "sparse tensor, or no type at all); aimcc supports tensor inputs only",
                          input->name);
    const int64_t elem_type = type->tensor_type->has_elem_type ? type->tensor_type->elem_type : 0;
    *dtype = onnx_dtype_to_aimrt(elem_type);
    if (*dtype == AIMRT_DTYPE_UNDEFINED)
        return aimcc_fail(import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                          "graph input '%s' has elem_type %s (%lld), which aimcc does not "
                          "support; use a numeric type such as FLOAT",
                          input->name, onnx_dtype_name(elem_type), (long long)elem_type);
    *shape = type->tensor_type->shape;
    return AIMCC_OK;
}

/* Checks a --const tensor against the input's declared dtype and shape; a
 * symbolic dimension accepts any size. */
static aimcc_status check_const(onnx_import *import, const Onnx__ValueInfoProto *input,
                                const aimcc_binding *binding, aimrt_dtype dtype,
                                const Onnx__TensorShapeProto *shape, const aimrt_tensor *tensor)
{
    bool fits = tensor->dtype == dtype;
    if (shape) {
        fits &= tensor->rank == (int)shape->n_dim;
        for (int axis = 0; fits && axis < tensor->rank; axis++) {
            const Onnx__TensorShapeProto__Dimension *dim = shape->dim[axis];
            fits &= dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
                    dim->dim_value == tensor->dims[axis];
        }
    }
    if (fits)
        return AIMCC_OK;

    int64_t declared[AIMRT_MAX_RANK] = {0};
    const int rank = shape && shape->n_dim <= AIMRT_MAX_RANK ? (int)shape->n_dim : 0;
    for (int axis = 0; axis < rank; axis++)
        declared[axis] = shape->dim[axis]->value_case ==
                                 ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                             ? shape->dim[axis]->dim_value
                             : -1;
    return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                      "--const %s=%s: the file holds a %s tensor of shape %s but graph input '%s' "
                      "is %s of shape %s (-1 is symbolic); write the tensor with the input's "
                      "dtype and shape",
                      binding->name, binding->value, aimrt_dtype_name(tensor->dtype),
                      onnx_format_dims(import->arena, tensor->rank, tensor->dims), input->name,
                      aimrt_dtype_name(dtype), onnx_format_dims(import->arena, rank, declared));
}

/* Binds a graph input to the constant that --const gives it. */
static aimcc_status import_const(onnx_import *import, const Onnx__ValueInfoProto *input,
                                 const aimcc_binding *binding)
{
    aimrt_dtype dtype = AIMRT_DTYPE_UNDEFINED;
    const Onnx__TensorShapeProto *shape = NULL;
    aimcc_status status = read_input_type(import, input, &dtype, &shape);
    if (status != AIMCC_OK)
        return status;

    const char *tensor_name = NULL;
    aimrt_tensor tensor;
    status = onnx_tensor_file_read(import, binding->value ? binding->value : "", &tensor_name,
                                   &tensor);
    if (status != AIMCC_OK)
        return status;
    status = check_const(import, input, binding, dtype, shape, &tensor);
    if (status != AIMCC_OK)
        return status;

    aimcc_value *value = aimcc_ir_value_add(import->module, input->name, AIMCC_VALUE_CONST,
                                            tensor.dtype, tensor.rank, tensor.dims, NULL);
    if (!value)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory binding graph input '%s'", input->name);
    value->data = tensor.data;
    AIMCC_LOG(AIMCC_LOG_INFO, "frontend", NULL, "graph input '%s' is the constant from %s",
              input->name, binding->value);
    return onnx_import_bind(import, input->name, value, NULL, NULL);
}

static aimcc_status import_input(onnx_import *import, const Onnx__ValueInfoProto *input)
{
    aimrt_dtype dtype = AIMRT_DTYPE_UNDEFINED;
    const Onnx__TensorShapeProto *shape = NULL;
    aimcc_status status = read_input_type(import, input, &dtype, &shape);
    if (status != AIMCC_OK)
        return status;
    aimcc_value staged = {.dtype = dtype};
    status = read_input_shape(import, input, shape, &staged);
    if (status != AIMCC_OK)
        return status;

    aimcc_value *value = aimcc_ir_value_add(import->module, input->name, AIMCC_VALUE_INPUT, dtype,
                                            staged.rank, staged.dims, NULL);
    if (!value || aimcc_ir_module_add_input(import->module, value) != AIMCC_OK)
        return aimcc_fail(import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                          "out of memory adding graph input '%s'", input->name);
    value->batched = staged.batched;
    return onnx_import_bind(import, input->name, value, NULL, NULL);
}

/* Calls visit on each symbolic dimension name of the graph inputs, in order
 * and with repeats; stops and returns true when visit does. */
static bool walk_dim_params(const Onnx__GraphProto *graph,
                            bool (*visit)(const char *param, void *user), void *user)
{
    for (size_t i = 0; i < graph->n_input; i++) {
        const Onnx__TypeProto *type = graph->input[i]->type;
        if (!type || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
            !type->tensor_type || !type->tensor_type->shape)
            continue;
        const Onnx__TensorShapeProto *shape = type->tensor_type->shape;
        for (size_t axis = 0; axis < shape->n_dim; axis++) {
            const Onnx__TensorShapeProto__Dimension *dim = shape->dim[axis];
            if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                dim->dim_param && dim->dim_param[0] && visit(dim->dim_param, user))
                return true;
        }
    }
    return false;
}

static bool is_same_name(const char *param, void *user)
{
    return strcmp(param, (const char *)user) == 0;
}

/* The quoted, comma-separated names that list_dim_params collects. */
typedef struct name_list {
    char *text;
    size_t size;
    size_t used;
} name_list;

static bool append_new_name(const char *param, void *user)
{
    name_list *list = user;
    char quoted[300];
    snprintf(quoted, sizeof quoted, "'%s'", param);
    if (strstr(list->text, quoted))
        return false;
    const size_t room = list->size - list->used;
    const int n = snprintf(list->text + list->used, room, "%s%s", list->used ? ", " : "", quoted);
    if (n < 0 || (size_t)n >= room) {
        /* The text is full (snprintf cut it): stop the walk. */
        list->used = list->size - 1;
        return true;
    }
    list->used += (size_t)n;
    return false;
}

/* Writes the model's symbolic dimension names, each once, into text. */
static void list_dim_params(const Onnx__GraphProto *graph, char *text, size_t size)
{
    name_list list = {text, size, 0};
    text[0] = '\0';
    walk_dim_params(graph, append_new_name, &list);
}

/* Fails when a --const names no graph input or a --dim size is not a positive
 * integer, and warns about --dim names that no graph input has. */
static aimcc_status check_options_used(onnx_import *import, const Onnx__GraphProto *graph)
{
    const aimcc_options *options = import->options;
    for (int i = 0; options && i < options->n_consts; i++) {
        const char *name = options->consts[i].name ? options->consts[i].name : "";
        size_t k = 0;
        while (k < graph->n_input && strcmp(graph->input[k]->name, name) != 0)
            k++;
        if (k == graph->n_input)
            return aimcc_fail(import->ctx, AIMCC_ERR_INVALID_ARG, NULL, NULL,
                              "--const %s=%s: the model has no graph input named '%s'", name,
                              options->consts[i].value ? options->consts[i].value : "", name);
    }
    for (int i = 0; options && i < options->n_dims; i++) {
        const aimcc_binding *binding = &options->dims[i];
        int64_t size = 0;
        const aimcc_status status = parse_dim_size(import->ctx, binding, &size);
        if (status != AIMCC_OK)
            return status;
        const char *name = binding->name ? binding->name : "";
        if (walk_dim_params(graph, is_same_name, (void *)name))
            continue;
        char names[1024];
        list_dim_params(graph, names, sizeof names);
        if (names[0])
            AIMCC_LOG(AIMCC_LOG_WARN, "frontend", NULL,
                      "--dim %s: no graph input has a dimension named '%s', so the option is "
                      "unused; the model's symbolic dimensions are %s",
                      name, name, names);
        else
            AIMCC_LOG(AIMCC_LOG_WARN, "frontend", NULL,
                      "--dim %s: the model has no symbolic dimensions, so the option is unused",
                      name);
    }
    return AIMCC_OK;
}

aimcc_status onnx_import_inputs(onnx_import *import, const onnx_plan *plan)
{
    const Onnx__GraphProto *graph = plan->graph;
    aimcc_status status = check_options_used(import, graph);
    const aimcc_options *options = import->options;
    for (size_t i = 0; status == AIMCC_OK && i < graph->n_input; i++) {
        const Onnx__ValueInfoProto *input = graph->input[i];
        const aimcc_binding *binding =
            options ? find_binding(options->consts, options->n_consts, input->name) : NULL;
        const onnx_definition *definition = onnx_name_map_find_local(plan->definitions, input->name);
        if (binding)
            status = import_const(import, input, binding);
        else if (!definition->initializer)
            status = import_input(import, input);
    }
    return status;
}

aimcc_status onnx_import_initializers(onnx_import *import, const onnx_plan *plan)
{
    const Onnx__GraphProto *graph = plan->graph;
    for (size_t i = 0; i < graph->n_initializer; i++) {
        const Onnx__TensorProto *tensor = graph->initializer[i];
        /* A --const for an input that is also an initializer replaces the initializer. */
        if (onnx_name_map_find_local(import->scope, tensor->name))
            continue;
        aimcc_value *value = NULL;
        aimcc_status status = onnx_import_tensor(import, tensor, NULL, &value);
        if (status != AIMCC_OK)
            return status;
        const onnx_definition *definition = onnx_name_map_find_local(plan->definitions, tensor->name);
        if (definition && definition->is_input) {
            value->overridable = true;
            AIMCC_LOG(AIMCC_LOG_INFO, "frontend", NULL,
                      "graph input '%s' has an initializer; it is compiled as that constant",
                      tensor->name);
        }
        status = onnx_import_bind(import, tensor->name, value, NULL, NULL);
        if (status != AIMCC_OK)
            return status;
    }
    return AIMCC_OK;
}
