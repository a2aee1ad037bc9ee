/* SPDX-License-Identifier: MIT */
/* Test-only backend module built for a different ABI: must be refused. */
#include <geocl/backend-api.h>

static const geocl_backend_module module = {.abi = GEOCL_BACKEND_ABI + 100, .name = "badabi"};

const geocl_backend_module *geocl_backend_entry(void);
const geocl_backend_module *geocl_backend_entry(void) { return &module; }
