/* SPDX-License-Identifier: MIT */
/* Releases the struct of a device that a libaimrt create function returned. */
#include <stdlib.h>

#include "aimrt/device.h"

void aimrt_device_free(aimrt_device *device)
{
    free(device);
}
