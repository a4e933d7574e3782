/* SPDX-License-Identifier: MIT */
/*
 * The registry parameters of one tile kind in a target file (aimrt/params.h):
 * every key under device, circuit and cost, and the keys of adc and input
 * besides their structural ones. Private to the target loader.
 */
#ifndef AIMCC_TARGET_PARAMS_H
#define AIMCC_TARGET_PARAMS_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "ir/target.h"

/*
 * Checks the parameters of one kind object (kind_path names it in messages,
 * "kinds[0]") and, when params is not NULL, stores their values in the
 * registry's units with given = true. Unknown keys, quantities without
 * value, unit or source, units that do not convert, values outside the
 * registry's range and unknown choices fail with AIMCC_ERR_INVALID_ARG and
 * a message naming file and key.
 */
aimcc_status aimcc_target_params_read(aimcc_ctx *ctx, const char *file, const char *kind_path,
                                      const cJSON *kind, aimrt_kind_params *params);

/* Writes the keys allowed in the group at prefix ("circuit", "adc"), comma
 * separated: for adc and input their own keys first, then the next path
 * component of every registry path under prefix, once each. */
void aimcc_target_param_keys(char *buf, size_t size, const char *prefix);

/* Returns whether path ("circuit.wires") is a group that contains registry
 * parameters, so --set may create it. */
bool aimcc_target_param_group(const char *path);

/*
 * Returns a new JSON item for --set of the registry parameter at path when
 * the target file lacks it: a quantity {value, unit in the registry's unit,
 * source "--set"} for a number, the string for a choice. NULL when path is
 * not a parameter, the value does not fit its type, or out of memory.
 */
cJSON *aimcc_target_param_create(const char *path, const cJSON *value);

#endif
