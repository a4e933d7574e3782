/* SPDX-License-Identifier: MIT */
/*
 * Where the preset target files are: beside an installed aimcc (found from
 * the location of this code), in the source tree of a build, or in the
 * install folder chosen at configure time.
 */
#define _GNU_SOURCE
#include "aimcc/aimcc.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef AIMCC_INSTALL_TARGETS_DIR
#define AIMCC_INSTALL_TARGETS_DIR "/usr/local/share/aimcc/targets"
#endif

static bool is_folder(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Finds share/aimcc/targets next to the file that holds this code: the
 * installed libaimcc (PREFIX/lib or PREFIX/lib/ARCH) or a program linked
 * with the static library (PREFIX/bin). Returns false when there is none. */
static bool find_beside_binary(char *out, size_t size)
{
    Dl_info info;
    if (dladdr((const void *)find_beside_binary, &info) == 0 || !info.dli_fname)
        return false;
    char binary[PATH_MAX];
    if (!realpath(info.dli_fname, binary))
        return false;
    char *slash = strrchr(binary, '/');
    if (!slash)
        return false;
    *slash = '\0';

    static const char *const relative[] = {"../share/aimcc/targets", "../../share/aimcc/targets"};
    for (size_t i = 0; i < sizeof relative / sizeof relative[0]; i++) {
        char candidate[PATH_MAX + 32];
        snprintf(candidate, sizeof candidate, "%s/%s", binary, relative[i]);
        if (is_folder(candidate) && realpath(candidate, out) && strlen(out) < size)
            return true;
    }
    return false;
}

const char *aimcc_targets_dir(void)
{
    const char *env = getenv("AIMCC_TARGETS_DIR");
    if (env != NULL && env[0] != '\0')
        return env;

    static char beside_binary[PATH_MAX];
    if (beside_binary[0] || find_beside_binary(beside_binary, sizeof beside_binary))
        return beside_binary;
#ifdef AIMCC_SOURCE_TARGETS_DIR
    if (is_folder(AIMCC_SOURCE_TARGETS_DIR))
        return AIMCC_SOURCE_TARGETS_DIR;
#endif
    return AIMCC_INSTALL_TARGETS_DIR;
}
