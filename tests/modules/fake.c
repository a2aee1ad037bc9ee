/* SPDX-License-Identifier: MIT */
/* Test-only backend module that offers one device backed by the reference
 * backend: proves a well-formed module is loaded, listed and opened. */
#include <stdlib.h>
#include <string.h>

#include <geocl/backend-api.h>

geocl_status geocl_reference_open(geocl_backend **out);

static geocl_status list_devices(geocl_device_info **devices, int *count, const char **note) {
  *devices = calloc(1, sizeof **devices);
  if (!*devices) return GEOCL_E_NOMEM;
  strcpy((*devices)[0].name, "fake test device");
  strcpy((*devices)[0].type, "CPU");
  *count = 1;
  *note = "fake backend for the loader test";
  return GEOCL_OK;
}

static geocl_status open_device(int index, geocl_backend **out) {
  geocl_status st = geocl_reference_open(out);
  if (st == GEOCL_OK) (*out)->name = "fake";
  return st;
}

static const geocl_backend_module module = {
    .abi = GEOCL_BACKEND_ABI,
    .name = "fake",
    .description = "test backend",
    .list_devices = list_devices,
    .open = open_device,
    .ops_size = sizeof(geocl_backend_ops),
};

const geocl_backend_module *geocl_backend_entry(void);
const geocl_backend_module *geocl_backend_entry(void) { return &module; }
