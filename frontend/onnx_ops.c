/* SPDX-License-Identifier: MIT */
/*
 * Which nodes aimcc can lower. Ops of other domains and ops without a
 * lowering rule are collected, so one error lists them all. An If whose
 * condition is an initializer or a Constant is resolved here, and the branch
 * it takes is validated and later inlined. Any other If, Loop and Scan are
 * unsupported.
 */
#include "frontend/onnx_graph.h"

#include <stdio.h>
#include <string.h>

static aimcc_status fail_nomem(plan_state *state)
{
    return aimcc_fail(state->import->ctx, AIMCC_ERR_NOMEM, NULL, NULL,
                      "out of memory while validating the graph");
}

/* Records the first node of an op type that aimcc cannot lower. */
static aimcc_status add_unsupported(plan_state *state, const Onnx__NodeProto *node,
                                    const char *node_name, const char *reason)
{
    const char *domain = onnx_node_is_default_domain(node) ? "" : node->domain;
    for (int i = 0; i < state->n_unsupported; i++) {
        const onnx_unsupported *entry = &state->unsupported[i];
        if (!strcmp(entry->domain, domain) && !strcmp(entry->op_type, node->op_type))
            return AIMCC_OK;
    }
    if (state->n_unsupported == state->unsupported_capacity) {
        const int capacity = state->unsupported_capacity ? 2 * state->unsupported_capacity : 8;
        onnx_unsupported *entries = aimcc_arena_calloc(state->import->arena, (size_t)capacity,
                                                       sizeof *entries);
        if (!entries)
            return fail_nomem(state);
        if (state->n_unsupported)
            memcpy(entries, state->unsupported, (size_t)state->n_unsupported * sizeof *entries);
        state->unsupported = entries;
        state->unsupported_capacity = capacity;
    }
    state->unsupported[state->n_unsupported++] = (onnx_unsupported){
        .domain = domain,
        .op_type = node->op_type,
        .node_name = node_name,
        .reason = reason,
    };
    return AIMCC_OK;
}

static const Onnx__AttributeProto *find_attribute(const Onnx__NodeProto *node, const char *name)
{
    for (size_t i = 0; i < node->n_attribute; i++) {
        if (node->attribute[i]->name && !strcmp(node->attribute[i]->name, name))
            return node->attribute[i];
    }
    return NULL;
}

/* Reads element 0 of a decoded tensor as a truth value. */
static bool tensor_is_true(const aimrt_tensor *tensor)
{
    const void *data = tensor->data;
    switch (tensor->dtype) {
    case AIMRT_DTYPE_FLOAT: return *(const float *)data != 0.0f;
    case AIMRT_DTYPE_DOUBLE: return *(const double *)data != 0.0;
    case AIMRT_DTYPE_FLOAT16: return aimrt_half_to_float(*(const uint16_t *)data) != 0.0f;
    case AIMRT_DTYPE_INT16:
    case AIMRT_DTYPE_UINT16: return *(const uint16_t *)data != 0;
    case AIMRT_DTYPE_INT32:
    case AIMRT_DTYPE_UINT32: return *(const uint32_t *)data != 0;
    case AIMRT_DTYPE_INT64:
    case AIMRT_DTYPE_UINT64: return *(const uint64_t *)data != 0;
    default: return *(const uint8_t *)data != 0;
    }
}

/* Decodes a constant condition tensor and checks that it contains one value. */
static aimcc_status decode_condition(plan_state *state, const Onnx__TensorProto *tensor,
                                     const char *condition, const char *node_name, int *taken)
{
    aimrt_tensor decoded;
    aimcc_status status = onnx_tensor_decode(state->import, tensor, node_name, &decoded);
    if (status != AIMCC_OK)
        return status;
    int64_t count = 0;
    aimrt_shape_count(decoded.rank, decoded.dims, 1, &count);
    if (count != 1)
        return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, "If",
                          "condition '%s' has %lld elements; an If condition is a single value",
                          condition, (long long)count);
    *taken = tensor_is_true(&decoded);
    return AIMCC_OK;
}

/* Sets *taken to 1 (then_branch), 0 (else_branch), or -1 when the condition
 * is computed at run time. */
static aimcc_status resolve_condition(plan_state *state, const onnx_plan *plan,
                                      const Onnx__NodeProto *node, const char *node_name, int *taken)
{
    *taken = -1;
    if (node->n_input < 1 || !node->input[0][0])
        return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, "If",
                          "the If node has no condition input; re-export the model");
    const char *condition = node->input[0];
    const onnx_definition *definition = onnx_name_map_find(plan->definitions, condition);
    if (definition && definition->initializer)
        return decode_condition(state, definition->initializer, condition, node_name, taken);
    if (!definition || !definition->node || !onnx_node_is_default_domain(definition->node) ||
        strcmp(definition->node->op_type, "Constant") != 0)
        return AIMCC_OK;

    const Onnx__NodeProto *constant = definition->node;
    const Onnx__AttributeProto *attribute;
    if ((attribute = find_attribute(constant, "value")) && attribute->t)
        return decode_condition(state, attribute->t, condition, node_name, taken);
    if ((attribute = find_attribute(constant, "value_int")) && attribute->has_i)
        *taken = attribute->i != 0;
    else if ((attribute = find_attribute(constant, "value_float")) && attribute->has_f)
        *taken = attribute->f != 0.0f;
    else if ((attribute = find_attribute(constant, "value_ints")) && attribute->n_ints == 1)
        *taken = attribute->ints[0] != 0;
    else if ((attribute = find_attribute(constant, "value_floats")) && attribute->n_floats == 1)
        *taken = attribute->floats[0] != 0.0f;
    return AIMCC_OK;
}

/* Plans the branch that a constant If takes and makes its outer reads the If's. */
static aimcc_status plan_if_branch(plan_state *state, onnx_plan *plan, size_t index, int taken)
{
    const Onnx__NodeProto *node = plan->graph->node[index];
    const char *node_name = state->original_names[index];
    const char *branch_name = taken ? "then_branch" : "else_branch";
    const Onnx__AttributeProto *attribute = find_attribute(node, branch_name);
    if (!attribute || !attribute->g)
        return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, "If",
                          "the If node has no %s graph attribute; re-export the model",
                          branch_name);
    const Onnx__GraphProto *branch = attribute->g;
    if (branch->n_output != node->n_output)
        return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, "If",
                          "the If node has %zu outputs but its %s has %zu; re-export the model",
                          node->n_output, branch_name, branch->n_output);

    const char *label = aimcc_arena_printf(state->import->arena, "output of the %s of node \"%s\"",
                                           branch_name, node_name);
    if (!label)
        return fail_nomem(state);
    onnx_plan *branch_plan = NULL;
    aimcc_status status = onnx_plan_graph(state, branch, plan->definitions, label, &branch_plan);
    if (status != AIMCC_OK)
        return status;
    plan->branches[index] = branch_plan;

    /* The branch's reads from outside are the If's own, for ordering and for the plan around it. */
    for (int i = 0; i < branch_plan->n_outer_names; i++) {
        const char *name = branch_plan->outer_names[i];
        if (!onnx_name_map_find_local(plan->definitions, name)) {
            status = onnx_plan_add_outer_name(state, plan, name);
            if (status != AIMCC_OK)
                return status;
        }
    }
    return AIMCC_OK;
}

aimcc_status onnx_plan_classify_node(plan_state *state, onnx_plan *plan, size_t index)
{
    const Onnx__NodeProto *node = plan->graph->node[index];
    const char *node_name = state->original_names[index];
    if (!onnx_node_is_default_domain(node))
        return add_unsupported(state, node, node_name, NULL);

    if (state->import->opset == 0) {
        return aimcc_fail(state->import->ctx, AIMCC_ERR_INVALID_MODEL, node_name, node->op_type,
                          "the model uses ONNX operators but its opset_import has no entry for "
                          "the default domain; re-export the model with an opset from 7 to 18");
    }
    if (!strcmp(node->op_type, "If")) {
        int taken; /* 1: then_branch, 0: else_branch, -1: not constant */
        aimcc_status status = resolve_condition(state, plan, node, node_name, &taken);
        if (status != AIMCC_OK)
            return status;
        if (taken < 0)
            return add_unsupported(state, node, node_name, "its condition is computed at run time");
        return plan_if_branch(state, plan, index, taken);
    }
    if (!strcmp(node->op_type, "Loop") || !strcmp(node->op_type, "Scan") ||
        !onnx_lower_supported(node->op_type, state->import->opset))
        return add_unsupported(state, node, node_name, NULL);
    return AIMCC_OK;
}

/* Returns the version of a domain in the model's opset_import, or -1. */
static int64_t domain_version(const Onnx__ModelProto *model, const char *domain)
{
    int64_t version = -1;
    for (size_t i = 0; i < model->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *opset = model->opset_import[i];
        if (opset->domain && !strcmp(opset->domain, domain) && opset->version > version)
            version = opset->version;
    }
    return version;
}

/* Formats one entry of the unsupported list into text. */
static int format_entry(plan_state *state, const onnx_unsupported *entry, char *text, size_t size)
{
    if (!entry->domain[0])
        return snprintf(text, size, "%s (opset %lld, first at node \"%s\"%s%s)", entry->op_type,
                        (long long)state->import->opset, entry->node_name,
                        entry->reason ? "; " : "", entry->reason ? entry->reason : "");
    const int64_t version = domain_version(state->model, entry->domain);
    if (version < 0)
        return snprintf(text, size,
                        "%s (domain \"%s\", which the model does not import, first at node \"%s\")",
                        entry->op_type, entry->domain, entry->node_name);
    return snprintf(text, size, "%s (domain \"%s\" version %lld, first at node \"%s\")",
                    entry->op_type, entry->domain, (long long)version, entry->node_name);
}

aimcc_status onnx_plan_report_unsupported(plan_state *state)
{
    if (state->n_unsupported == 0)
        return AIMCC_OK;

    /* The diagnostic message has 1536 bytes, so a longer list ends with a count. */
    char list[1280];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < state->n_unsupported; i++) {
        char entry[512];
        format_entry(state, &state->unsupported[i], entry, sizeof entry);
        const size_t length = strlen(entry);
        if (used + length + 24 >= sizeof list) {
            snprintf(list + used, sizeof list - used, " and %d more", state->n_unsupported - i);
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", entry);
    }
    return aimcc_fail(state->import->ctx, AIMCC_ERR_UNSUPPORTED, NULL, NULL,
                      "unsupported operators: %s; aimcc supports the ops listed in "
                      "docs/onnx-support.md",
                      list);
}
