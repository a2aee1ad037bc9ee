/* SPDX-License-Identifier: MIT */
/* The plugin registry: every plugin found on $GEOCL_PLUGIN_PATH and in the
 * install directory, loaded once per process. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>
#include <geocl/plugin.h>

#include "core/module.h"

#ifndef GEOCL_PLUGINSDIR
#define GEOCL_PLUGINSDIR ""
#endif

static struct {
  pthread_once_t once;
  const geocl_plugin **plugins;
  int count;
  char *notes;
} registry = {PTHREAD_ONCE_INIT, NULL, 0, NULL};

static void registry_load(void) {
  geocl_loaded_module *mods = NULL;
  int n = 0;
  geocl_modules_scan("plugin", "GEOCL_PLUGIN_PATH", GEOCL_PLUGINSDIR, GEOCL_PLUGIN_ENTRY, GEOCL_PLUGIN_ABI, &mods, &n,
                     &registry.notes);
  registry.plugins = calloc((size_t)(n ? n : 1), sizeof *registry.plugins);
  for (int i = 0; i < n && registry.plugins; i++) {
    registry.plugins[registry.count++] = (const geocl_plugin *)mods[i].desc;
    free(mods[i].path);
  }
  free(mods);
  if (!registry.notes) registry.notes = strdup("");
}

void geocl_plugin_list(const geocl_plugin *const **plugins, int *count, const char **notes) {
  pthread_once(&registry.once, registry_load);
  *plugins = registry.plugins;
  *count = registry.count;
  *notes = registry.notes ? registry.notes : "";
}

geocl_status geocl_plugin_find(const char *name, const geocl_plugin **out) {
  const geocl_plugin *const *all;
  int n;
  const char *notes;
  geocl_plugin_list(&all, &n, &notes);
  for (int i = 0; i < n; i++)
    if (!strcmp(all[i]->name, name)) {
      *out = all[i];
      return GEOCL_OK;
    }
  char list[512] = "";
  size_t used = 0;
  for (int i = 0; i < n && used < sizeof list - 1; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", all[i]->name);
  return geocl_set_error(GEOCL_E_NOT_FOUND, "no plugin named '%s' (found: %s; `geocl plugins` lists them%s)", name,
                         n ? list : "none", *notes ? " and the files that were skipped" : "");
}

geocl_config *geocl_plugin_config(const geocl_plugin *p) { return geocl_config_new(p->name, p->options); }

const geocl_recipe *geocl_plugin_recipe(const geocl_plugin *p) { return p->recipe ? p->recipe : &geocl_recipe_croco; }
