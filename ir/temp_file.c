/* SPDX-License-Identifier: MIT */
/* Temporary files for atomic writes, with the permissions of an ordinary output file. */
#include "ir/temp_file.h"

#include <stdlib.h>
#include <sys/stat.h>

int aimcc_temp_file_create(char *template)
{
    const int fd = mkstemp(template);
    if (fd < 0)
        return -1;

    /* umask can only be read by setting it, so it is set back at once. */
    const mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    return fd;
}
