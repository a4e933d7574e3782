/* SPDX-License-Identifier: MIT */
#include "test_support.h"

#include <stdio.h>
#include <sys/stat.h>

void test_source_path(char *buf, size_t size, const char *relative)
{
    snprintf(buf, size, "%s/%s", AIMCC_SOURCE_DIR, relative);
}

void test_shared_path(char *buf, size_t size, const char *relative)
{
    snprintf(buf, size, "%s/%s", AIMCC_SHARED_DIR, relative);
}

int test_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
