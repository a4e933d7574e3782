/* SPDX-License-Identifier: MIT */
/*
 * A scan of protobuf wire data before protobuf-c unpacks it. protobuf-c
 * recurses once per nested message with no depth limit, so a few kilobytes of
 * nested If branches could exhaust the stack. This scan walks the same nesting
 * with the schema's descriptors, bounds the depth, and checks every length.
 */
#include "frontend/onnx_frontend.h"

/* ModelProto > GraphProto > NodeProto > AttributeProto > GraphProto ... takes
 * three levels per nested subgraph, so this allows about 30 nested subgraphs. */
#define WIRE_MAX_DEPTH 96

enum {
    WIRE_VARINT = 0,
    WIRE_FIXED64 = 1,
    WIRE_LENGTH = 2,
    WIRE_FIXED32 = 5,
};

/* Reads a varint at *pos; returns false when it runs past end or exceeds 10 bytes. */
static bool read_varint(const uint8_t *data, size_t end, size_t *pos, uint64_t *value)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= end)
            return false;
        const uint8_t byte = data[(*pos)++];
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = result;
            return true;
        }
    }
    return false;
}

static bool check_message(const uint8_t *data, size_t begin, size_t end,
                          const ProtobufCMessageDescriptor *descriptor, int depth)
{
    if (depth > WIRE_MAX_DEPTH)
        return false;

    size_t pos = begin;
    while (pos < end) {
        uint64_t tag;
        if (!read_varint(data, end, &pos, &tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
            return false;
        uint64_t length;
        switch (tag & 7) {
        case WIRE_VARINT:
            if (!read_varint(data, end, &pos, &length))
                return false;
            break;
        case WIRE_FIXED64:
        case WIRE_FIXED32: {
            const size_t width = (tag & 7) == WIRE_FIXED64 ? 8 : 4;
            if (end - pos < width)
                return false;
            pos += width;
            break;
        }
        case WIRE_LENGTH: {
            if (!read_varint(data, end, &pos, &length) || length > end - pos)
                return false;
            const ProtobufCFieldDescriptor *field =
                descriptor ? protobuf_c_message_descriptor_get_field(descriptor, (unsigned)(tag >> 3))
                           : NULL;
            if (field && field->type == PROTOBUF_C_TYPE_MESSAGE &&
                !check_message(data, pos, pos + (size_t)length, field->descriptor, depth + 1))
                return false;
            pos += (size_t)length;
            break;
        }
        default:
            /* Groups (wire types 3 and 4) are obsolete and ONNX never uses them. */
            return false;
        }
    }
    return pos == end;
}

bool onnx_wire_check(const uint8_t *data, size_t size, const ProtobufCMessageDescriptor *descriptor)
{
    return check_message(data, 0, size, descriptor, 0);
}
