/* SPDX-License-Identifier: MIT */
/*
 * Printing a program for `aimcc inspect` with its stored cost estimates.
 */
#ifndef AIMCC_CLI_INSPECT_COST_H
#define AIMCC_CLI_INSPECT_COST_H

#include <stdbool.h>
#include <stdio.h>

#include "aimrt/aimrt.h"

/* Prints program as text or one JSON object, with the cost estimates of its
 * metadata as a table (text) or as "estimates" and per-layer fields (JSON).
 * Returns the describer's status, or AIMRT_ERR_NOMEM / _IO. */
aimrt_status cli_inspect_print(const aimrt_program *program, FILE *out, bool json);

#endif
