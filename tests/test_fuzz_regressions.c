/* SPDX-License-Identifier: MIT */
/*
 * Inputs that the fuzz harnesses once crashed on, kept as regression tests:
 * each must now load or fail with a message, under the sanitizers too.
 * Program files get their CRC-32 recomputed first, as the harness does, so
 * the loader's later checks are reached.
 */
#include "test_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "aimrt/aimrt.h"
#include "runtime/program_format.h"

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    const long length = ftell(file);
    assert_true(length >= 0);
    rewind(file);
    unsigned char *bytes = malloc((size_t)length + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)length, file), (size_t)length);
    fclose(file);
    *size = (size_t)length;
    return bytes;
}

static void fix_crc(unsigned char *bytes, size_t size)
{
    if (size < AIMRT_HEADER_CRC + 4)
        return;
    memset(bytes + AIMRT_HEADER_CRC, 0, 4);
    const uint32_t crc = (uint32_t)crc32(0L, bytes, (uInt)size);
    for (int i = 0; i < 4; i++)
        bytes[AIMRT_HEADER_CRC + i] = (unsigned char)(crc >> (8 * i));
}

static void test_program_crashes_rejected(void **state)
{
    char folder[1024];
    test_source_path(folder, sizeof folder, "tests/data/fuzz");
    DIR *dir = opendir(folder);
    assert_non_null(dir);
    int n_files = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        if (strncmp(entry->d_name, "program-", 8) != 0)
            continue;
        char path[1536];
        snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
        size_t size = 0;
        unsigned char *bytes = read_file(path, &size);
        fix_crc(bytes, size);

        aimrt_program *program = NULL;
        aimrt_error error = {0};
        const aimrt_status status = aimrt_program_load(bytes, size, &program, &error);
        if (status != AIMRT_OK && error.message[0] == '\0')
            fail_msg("%s: rejected with an empty message", entry->d_name);
        printf("%s: %s\n", entry->d_name, status == AIMRT_OK ? "loaded" : error.message);
        aimrt_program_free(program);
        free(bytes);
        n_files++;
    }
    closedir(dir);
    assert_true(n_files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_crashes_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
