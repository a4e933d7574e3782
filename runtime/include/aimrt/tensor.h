/* SPDX-License-Identifier: MIT */
/*
 * Tensor element types and tensor views shared by the runtime kernels and the
 * compiler. Element type codes are the ONNX TensorProto.DataType numbers, so
 * they reach the program format unchanged.
 */
#ifndef AIMRT_TENSOR_H
#define AIMRT_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AIMRT_MAX_RANK 8

typedef enum aimrt_status {
    AIMRT_OK = 0,
    AIMRT_ERR_INVALID_ARG = -1,
    AIMRT_ERR_INVALID_PROGRAM = -2,
    AIMRT_ERR_UNSUPPORTED = -3,
    AIMRT_ERR_NUMERIC = -4,
    AIMRT_ERR_IO = -5,
    AIMRT_ERR_NOMEM = -6,
    AIMRT_ERR_DEVICE = -7,
    AIMRT_ERR_INTERNAL = -8,
} aimrt_status;

/* Returns a static name such as "invalid program" for a status code. */
const char *aimrt_status_name(aimrt_status status);

/* Element types, numbered as ONNX TensorProto.DataType. */
typedef enum aimrt_dtype {
    AIMRT_DTYPE_UNDEFINED = 0,
    AIMRT_DTYPE_FLOAT = 1,
    AIMRT_DTYPE_UINT8 = 2,
    AIMRT_DTYPE_INT8 = 3,
    AIMRT_DTYPE_UINT16 = 4,
    AIMRT_DTYPE_INT16 = 5,
    AIMRT_DTYPE_INT32 = 6,
    AIMRT_DTYPE_INT64 = 7,
    AIMRT_DTYPE_BOOL = 9,
    AIMRT_DTYPE_FLOAT16 = 10,
    AIMRT_DTYPE_DOUBLE = 11,
    AIMRT_DTYPE_UINT32 = 12,
    AIMRT_DTYPE_UINT64 = 13,
    AIMRT_DTYPE_COUNT = 14,
} aimrt_dtype;

/* Returns the element size in bytes, or 0 for an unsupported code. */
size_t aimrt_dtype_size(aimrt_dtype dtype);

/* Returns a short name ("f32", "i64", "bool"), or NULL for an unsupported code. */
const char *aimrt_dtype_name(aimrt_dtype dtype);

/* Parses a short name back into a code; returns AIMRT_DTYPE_UNDEFINED if unknown. */
aimrt_dtype aimrt_dtype_from_name(const char *name);

/* A dense, row-major tensor. The view borrows its data. */
typedef struct aimrt_tensor {
    aimrt_dtype dtype;
    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    void *data;
} aimrt_tensor;

/* Stores the element count of a shape in *count. Returns false on a negative
 * dimension or when the count or its byte size would overflow int64. */
bool aimrt_shape_count(int rank, const int64_t *dims, size_t elem_size, int64_t *count);

/* Converts IEEE half precision bits to float, and back with round half to even. */
float aimrt_half_to_float(uint16_t bits);
uint16_t aimrt_float_to_half(float value);

#ifdef __cplusplus
}
#endif

#endif
