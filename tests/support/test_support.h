/* SPDX-License-Identifier: MIT */
/* Helpers shared by the cmocka tests: paths to the source tree and shared data. */
#ifndef AIMCC_TEST_SUPPORT_H
#define AIMCC_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Formats AIMCC_SOURCE_DIR "/" relative into a static buffer of the caller. */
void test_source_path(char *buf, size_t size, const char *relative);

/* Formats a path under the shared models and edge cases folder. */
void test_shared_path(char *buf, size_t size, const char *relative);

/* Returns 1 when the file or folder exists. */
int test_path_exists(const char *path);

#endif
