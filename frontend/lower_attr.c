/* SPDX-License-Identifier: MIT */
/*
 * Attribute reading for the lowering rules: typed lookups with defaults,
 * where an attribute of the wrong type is an invalid model. Files written
 * before IR version 2 leave the type unset, so then the field in use decides.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frontend/lower_rules.h"

aimcc_status lower_fail(lower_node *node, aimcc_status status, const char *fmt, ...)
{
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return aimcc_fail(node->ctx, status, node->name, node->op_type, "%s", message);
}

const Onnx__AttributeProto *lower_attr_find(const lower_node *node, const char *name)
{
    for (size_t i = 0; i < node->node->n_attribute; i++) {
        const Onnx__AttributeProto *attr = node->node->attribute[i];
        if (attr != NULL && attr->name != NULL && strcmp(attr->name, name) == 0)
            return attr;
    }
    return NULL;
}

static const char *type_name(Onnx__AttributeProto__AttributeType type)
{
    switch (type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return "FLOAT";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return "INT";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return "STRING";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: return "TENSOR";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: return "FLOATS";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: return "INTS";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS: return "STRINGS";
    default: return "another type";
    }
}

/* Checks that attr has the expected type; an unset type passes when the
 * matching field is present. */
static aimcc_status check_type(lower_node *node, const Onnx__AttributeProto *attr,
                               Onnx__AttributeProto__AttributeType expected, bool field_present)
{
    if (attr->type == expected)
        return AIMCC_OK;
    if (attr->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED && field_present)
        return AIMCC_OK;
    return lower_fail(node, AIMCC_ERR_INVALID_MODEL,
                      "attribute \"%s\" has type %s but %s expects %s; fix the exporter or "
                      "the model",
                      attr->name, type_name(attr->type), node->op_type, type_name(expected));
}

aimcc_status lower_attr_int(lower_node *node, const char *name, int64_t fallback, int64_t *out)
{
    const Onnx__AttributeProto *attr = lower_attr_find(node, name);
    *out = fallback;
    if (attr == NULL)
        return AIMCC_OK;
    aimcc_status status =
        check_type(node, attr, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, attr->has_i);
    if (status == AIMCC_OK)
        *out = attr->i;
    return status;
}

aimcc_status lower_attr_flag(lower_node *node, const char *name, int64_t fallback, int64_t *out)
{
    aimcc_status status = lower_attr_int(node, name, fallback, out);
    if (status != AIMCC_OK)
        return status;
    if (*out != 0 && *out != 1)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "attribute \"%s\" is %lld but must be 0 or 1",
                          name, (long long)*out);
    return AIMCC_OK;
}

aimcc_status lower_attr_float(lower_node *node, const char *name, float fallback, float *out)
{
    const Onnx__AttributeProto *attr = lower_attr_find(node, name);
    *out = fallback;
    if (attr == NULL)
        return AIMCC_OK;
    aimcc_status status =
        check_type(node, attr, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, attr->has_f);
    if (status == AIMCC_OK)
        *out = attr->f;
    return status;
}

aimcc_status lower_attr_ints(lower_node *node, const char *name, int *n, const int64_t **values)
{
    const Onnx__AttributeProto *attr = lower_attr_find(node, name);
    *n = -1;
    *values = NULL;
    if (attr == NULL)
        return AIMCC_OK;
    aimcc_status status =
        check_type(node, attr, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, attr->n_ints > 0);
    if (status != AIMCC_OK)
        return status;
    if (attr->n_ints > (size_t)INT32_MAX)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED, "attribute \"%s\" has %zu values",
                          name, attr->n_ints);
    *n = (int)attr->n_ints;
    *values = attr->ints;
    return AIMCC_OK;
}

aimcc_status lower_attr_floats(lower_node *node, const char *name, int *n, const float **values)
{
    const Onnx__AttributeProto *attr = lower_attr_find(node, name);
    *n = -1;
    *values = NULL;
    if (attr == NULL)
        return AIMCC_OK;
    aimcc_status status = check_type(node, attr, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS,
                                     attr->n_floats > 0);
    if (status != AIMCC_OK)
        return status;
    if (attr->n_floats > (size_t)INT32_MAX)
        return lower_fail(node, AIMCC_ERR_UNSUPPORTED, "attribute \"%s\" has %zu values",
                          name, attr->n_floats);
    *n = (int)attr->n_floats;
    *values = attr->floats;
    return AIMCC_OK;
}

aimcc_status lower_attr_string(lower_node *node, const char *name, const char *fallback,
                               const char **out)
{
    const Onnx__AttributeProto *attr = lower_attr_find(node, name);
    *out = fallback;
    if (attr == NULL)
        return AIMCC_OK;
    aimcc_status status =
        check_type(node, attr, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, attr->has_s);
    if (status != AIMCC_OK)
        return status;

    /* ONNX strings are byte arrays without a terminator. */
    char *text = aimcc_arena_alloc(node->module->arena, attr->s.len + 1);
    if (text == NULL)
        return lower_fail(node, AIMCC_ERR_NOMEM, "out of memory reading attribute \"%s\"", name);
    if (attr->s.len > 0)
        memcpy(text, attr->s.data, attr->s.len);
    if (memchr(text, '\0', attr->s.len) != NULL)
        return lower_fail(node, AIMCC_ERR_INVALID_MODEL, "attribute \"%s\" contains a NUL byte",
                          name);
    *out = text;
    return AIMCC_OK;
}
