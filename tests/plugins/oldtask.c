/* SPDX-License-Identifier: MIT */
/* Test-only plugin built for another plugin ABI: must be refused. */
#include <geocl/plugin.h>

static const geocl_plugin plugin = {.abi = GEOCL_PLUGIN_ABI + 1, .name = "oldtask"};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
