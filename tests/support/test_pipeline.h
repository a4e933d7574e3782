/* SPDX-License-Identifier: MIT */
/*
 * In-process compile-and-run helpers for the conformance tests: compile an ONNX file into
 * program bytes through the public compiler API, run the program on the exact device, read
 * tensors from .pb and .npy files, and compare outputs with reference outputs under the
 * project's float tolerance, printing the error statistics on a mismatch.
 */
#ifndef AIMCC_TEST_PIPELINE_H
#define AIMCC_TEST_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aimcc/aimcc.h"
#include "aimrt/aimrt.h"

/* A compiled program image, or the diagnostic of a failed compilation. */
typedef struct test_program {
    aimcc_status status;
    aimcc_diag diag;      /* the compiler's first failure; status AIMCC_OK on success */
    char message[2304];   /* the diagnostic as the one line the command prints */
    unsigned char *bytes; /* the .aimc image on success, else NULL; caller frees */
    size_t size;
} test_program;

/*
 * Compiles model_path with options (NULL for none) and fills *out with the program bytes or
 * the diagnostic. A NULL options->target compiles for the `float` preset. The program is
 * written to a temporary file with aimcc_compile_write_program and read back, so the test
 * covers the writer too. Returns the compile status. Free with test_program_free.
 */
aimcc_status test_compile_file(const char *model_path, const aimcc_options *options,
                               test_program *out);
void test_program_free(test_program *program);

/* A tensor that owns its data, with the name it had in its file or program. */
typedef struct test_tensor {
    char name[256];
    aimrt_tensor tensor;
} test_tensor;

/* Returns the element count of a tensor (1 for rank 0). */
int64_t test_tensor_count(const aimrt_tensor *tensor);

/* Allocates a zeroed tensor of the given dtype and shape. Returns false when out of memory. */
bool test_tensor_alloc(test_tensor *out, const char *name, aimrt_dtype dtype, int rank,
                       const int64_t *dims);
void test_tensor_free(test_tensor *tensor);

/* Reads a TensorProto .pb file with aimcc_onnx_read_tensor. On failure writes the
 * compiler's one-line diagnostic into message and returns its status. */
aimcc_status test_tensor_read_pb(const char *path, test_tensor *out, char *message, size_t size);

/* Reads a C-order .npy file (f2, f4, f8, i1, u1, i2, u2, i4, i8, u8, b1; little-endian).
 * Returns AIMCC_ERR_IO or AIMCC_ERR_INVALID_MODEL with a message naming the file. */
aimcc_status test_tensor_read_npy(const char *path, test_tensor *out, char *message, size_t size);

/*
 * Runs a program on the exact device. Each program input takes the tensor of inputs[] with
 * its name, else the next unnamed or unmatched tensor in order. Batched inputs take the
 * batch from the tensor's leading dimension; all batched inputs must agree. Allocates
 * outputs[0 .. n_outputs) in program output order (caller frees each with
 * test_tensor_free). Returns the runtime status, with a one-line reason in message.
 */
aimrt_status test_run_program(const test_program *program, const test_tensor *inputs, int n_inputs,
                              test_tensor *outputs, int max_outputs, int *n_outputs, char *message,
                              size_t size);

/* Creates the exact device for the tiles of a loaded program; NULL when
 * out of memory. Free with test_device_destroy. */
aimrt_device *test_exact_device(const aimrt_program *program);
void test_device_destroy(aimrt_device *device);

/*
 * Runs rows vectors of x (k values each) one sample at a time through a fresh
 * session of program on device, writing n outputs per vector into y. Returns
 * the runtime status, with a one-line reason in message.
 */
aimrt_status test_run_vectors(const aimrt_program *program, const aimrt_device *device,
                              const float *x, int rows, int64_t k, float *y, int64_t n,
                              char *message, size_t size);

/*
 * Tolerance of a comparison. Float elements pass when
 * |actual - expected| <= abs_scale * max(1, max|expected|) + rel * |expected|.
 * Integer and bool elements pass when they differ by at most int_steps.
 */
typedef struct test_tolerance {
    double abs_scale;
    double rel;
    int64_t int_steps;
} test_tolerance;

/* The project's default: abs_scale 1e-4, rel 1e-3, integers exactly. */
extern const test_tolerance test_tolerance_default;

/*
 * Compares actual with expected element by element. Dtypes and shapes must be equal; NaN
 * matches NaN and an infinity matches the same infinity. On a mismatch prints, under label,
 * the max absolute error, the NMSE, the count of mismatches and the first one (index,
 * actual, expected), and returns false.
 */
bool test_compare_outputs(const aimrt_tensor *actual, const aimrt_tensor *expected,
                          test_tolerance tolerance, const char *label);

#endif
