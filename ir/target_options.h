/* SPDX-License-Identifier: MIT */
/*
 * Compile options that --set passes beside the target's own fields
 * (quantize.per_layer, map.replicate[NODE], limits.KEY). Private to the
 * target loader.
 */
#ifndef AIMCC_TARGET_OPTIONS_H
#define AIMCC_TARGET_OPTIONS_H

#include <stdbool.h>

#include "ir/target.h"

/* Returns whether a --set key belongs to a compile option (it starts with
 * "quantize.", "map." or "limits.") rather than to a field of the target file. */
bool aimcc_target_option_key(const char *key);

/*
 * Checks one --set of a compile option and stores it in options[0 .. *n_options),
 * replacing an earlier one for the same key and node; options has room for one
 * more. file names the target in messages. Returns AIMCC_ERR_INVALID_ARG for an
 * unknown key or a value out of range (the message names the key and the
 * allowed values), AIMCC_ERR_NOMEM when the arena is full.
 */
aimcc_status aimcc_target_option_parse(aimcc_ctx *ctx, aimcc_arena *arena, const char *file,
                                       const aimcc_binding *set, aimcc_target_option *options,
                                       int *n_options);

#endif
