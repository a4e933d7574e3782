/* SPDX-License-Identifier: MIT */
/* Temporary files for atomic writes: written in full, then renamed over the target. */
#ifndef AIMCC_TEMP_FILE_H
#define AIMCC_TEMP_FILE_H

/*
 * Creates a unique file from template (which ends in XXXXXX, as for mkstemp)
 * with the mode a plain fopen would give it (0666 less the umask) rather than
 * mkstemp's private 0600. Returns the open descriptor, or -1 with errno set.
 */
int aimcc_temp_file_create(char *template);

#endif
