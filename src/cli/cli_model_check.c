/* SPDX-License-Identifier: MIT */
/* The model a command is asked to build, checked before any work starts, so
 * that a wrong task, preset or key=value option is a usage error (exit 2). */
#include <string.h>

#include <geocl/config.h>
#include <geocl/plugin.h>

#include "cli.h"

int cli_check_model_choice(const char *cmd, const char *task, const char *preset, int n_args,
                           const char *const *args) {
  const geocl_plugin *p;
  if (geocl_plugin_find(task, &p) != GEOCL_OK) {
    cli_error(cmd, "%s", geocl_last_error());
    return CLI_USAGE;
  }
  geocl_config *cfg = geocl_plugin_config(p);
  if (!cfg) return cli_fail(cmd);
  geocl_status st = preset ? geocl_config_apply_preset(cfg, p->presets, preset) : GEOCL_OK;
  /* backbone.KEY=VALUE belongs to the backbone a head builds, checked when it is built */
  for (int i = 0; st == GEOCL_OK && i < n_args; i++)
    if (strncmp(args[i], "backbone.", 9)) st = geocl_config_set_arg(cfg, args[i]);
  geocl_config_free(cfg);
  if (st == GEOCL_OK) return CLI_OK;
  cli_error(cmd, "%s", geocl_last_error());
  return CLI_USAGE;
}
