/* SPDX-License-Identifier: MIT */
/* Shared helper of the libFuzzer harnesses: hand the fuzz input to loaders that read files. */
#ifndef AIMCC_FUZZ_SUPPORT_H
#define AIMCC_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes data to a per-process file under /tmp with the given suffix and returns its path. */
static inline const char *fuzz_write_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/aimcc-fuzz-%ld%s", (long)getpid(), suffix);
    FILE *file = fopen(path, "wb");
    if (!file)
        abort();
    if (size && fwrite(data, 1, size, file) != size)
        abort();
    fclose(file);
    return path;
}

#endif
