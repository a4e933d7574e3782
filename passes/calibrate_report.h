/* SPDX-License-Identifier: MIT */
/*
 * The "calibration" member of each layer of the compile report
 * (aimcc compile --report), written by the calibrate pass's own file.
 */
#ifndef AIMCC_CALIBRATE_REPORT_H
#define AIMCC_CALIBRATE_REPORT_H

#include <cjson/cJSON.h>

#include "ir/ir.h"

/*
 * Adds "calibration" to layer, the report object of the LINEAR ops that
 * start at first and share its ONNX node. It gives the static input range
 * (largest over the ops, null when dynamic) and how it was set, the smallest
 * and largest ADC range and how they were set, and the probe rows per op.
 * docs/calibration.md lists the members.
 */
void aimcc_calibrate_report_layer(cJSON *layer, const aimcc_module *module,
                                  const aimcc_op *first);

#endif
