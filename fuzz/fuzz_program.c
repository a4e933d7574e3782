/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the program loader must reject any malformed image with
 * a reason. The CRC-32 is recomputed over the mutated bytes, because the
 * loader checks it first and a stale one would hide every later check.
 */
#include <zlib.h>

#include "aimrt/aimrt.h"
#include "fuzz_support.h"
#include "program_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *image = malloc(size ? size : 1);
    if (!image)
        return 0;
    memcpy(image, data, size);
    if (size >= AIMRT_HEADER_CRC + 4) {
        memset(image + AIMRT_HEADER_CRC, 0, 4);
        const uint32_t crc = (uint32_t)crc32(0L, image, (uInt)size);
        for (int i = 0; i < 4; i++)
            image[AIMRT_HEADER_CRC + i] = (uint8_t)(crc >> (8 * i));
    }

    aimrt_program *program = NULL;
    aimrt_error error = {0};
    const aimrt_status status = aimrt_program_load(image, size, &program, &error);
    if (status != AIMRT_OK && error.message[0] == '\0')
        abort();
    aimrt_program_free(program);
    free(image);
    return 0;
}
