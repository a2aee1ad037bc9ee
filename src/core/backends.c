/* SPDX-License-Identifier: MIT */
/* The backend registry: the built-in reference backend plus every backend
 * module found on $GEOCL_BACKEND_PATH and in the install directory, their
 * devices, and the choice of a device from a spec string. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <geocl/log.h>

#include "internal.h"
#include "module.h"

#ifndef GEOCL_BACKENDSDIR
#define GEOCL_BACKENDSDIR ""
#endif

typedef struct registry_device {
  const geocl_backend_module *module;
  int module_index; /* index within its module */
  geocl_device_info info;
} registry_device;

static struct {
  pthread_once_t once;
  registry_device *devices;
  int n_devices;
  char *notes;
} registry = {PTHREAD_ONCE_INIT, NULL, 0, NULL};

static void registry_load(void) {
  geocl_loaded_module *mods = NULL;
  int n_mods = 0;
  geocl_modules_scan("backend", "GEOCL_BACKEND_PATH", GEOCL_BACKENDSDIR, GEOCL_BACKEND_ENTRY, GEOCL_BACKEND_ABI, &mods,
                     &n_mods, &registry.notes);
  for (int m = 0; m < n_mods; m++) {
    const geocl_backend_module *bm = (const geocl_backend_module *)mods[m].desc;
    if (bm->ops_size != sizeof(geocl_backend_ops)) {
      geocl_notes_append(&registry.notes, "%s: skipped: built with a kernel table of %zu bytes, this geocl has %zu "
                         "(rebuild the module against these headers)", mods[m].path, bm->ops_size,
                         sizeof(geocl_backend_ops));
      continue;
    }
    geocl_device_info *infos = NULL;
    int n = 0;
    const char *note = NULL;
    geocl_status st = bm->list_devices(&infos, &n, &note);
    if (st != GEOCL_OK) {
      geocl_notes_append(&registry.notes, "%s backend: listing devices failed: %s", bm->name, geocl_last_error());
      geocl_clear_error();
      continue;
    }
    if (note) geocl_notes_append(&registry.notes, "%s backend: %s", bm->name, note);
    registry_device *d = realloc(registry.devices, sizeof *d * (size_t)(registry.n_devices + n));
    if (d) {
      registry.devices = d;
      for (int i = 0; i < n; i++) {
        d[registry.n_devices].module = bm;
        d[registry.n_devices].module_index = i;
        d[registry.n_devices].info = infos[i];
        registry.n_devices++;
      }
    }
    free(infos);
  }
  for (int m = 0; m < n_mods; m++) free(mods[m].path);
  free(mods);
  if (registry.notes)
    for (char *line = registry.notes; line && *line;) {
      char *nl = strchr(line, '\n');
      geocl_debug("%.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
      line = nl ? nl + 1 : NULL;
    }
}

static void registry_init(void) { pthread_once(&registry.once, registry_load); }

static bool usable(int i) { return !registry.devices[i].info.unusable[0]; }

/* The default device: the first usable GPU, else the first usable device,
 * else -1 (reference). */
static int default_device(void) {
  for (int i = 0; i < registry.n_devices; i++)
    if (registry.devices[i].info.is_gpu && usable(i)) return i;
  for (int i = 0; i < registry.n_devices; i++)
    if (usable(i)) return i;
  return -1;
}

static bool is_reference_spec(const char *spec) {
  return !strcasecmp(spec, "reference") || !strcasecmp(spec, "ref");
}

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return false;
  return true;
}

static bool contains_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (!strncasecmp(hay, needle, n)) return true;
  return false;
}

static geocl_status open_device(int i, geocl_backend **out) {
  registry_device *d = &registry.devices[i];
  if (!usable(i))
    return geocl_set_error(GEOCL_E_NO_DEVICE, "device %d (%s) cannot be used: %s", i, d->info.name, d->info.unusable);
  geocl_status st = d->module->open(d->module_index, out);
  if (st != GEOCL_OK) geocl_error_prefix("opening device %d (%s)", i, d->info.name);
  return st;
}

/* The device spec names (NULL, "" or "auto": $GEOCL_DEVICE, else the
 * default): its index, -1 for the reference backend, or -2 with the error
 * set.  *automatic says whether the default was taken. */
static int spec_index(const char *spec, bool *automatic) {
  if (!spec || !*spec || !strcasecmp(spec, "auto")) {
    const char *env = getenv("GEOCL_DEVICE");
    spec = (env && *env) ? env : "auto";
  }
  *automatic = !strcasecmp(spec, "auto");
  if (is_reference_spec(spec)) return -1;
  registry_init();
  if (*automatic) return default_device();
  if (all_digits(spec)) {
    int i = atoi(spec);
    if (i < registry.n_devices) return i;
    geocl_set_error(GEOCL_E_NO_DEVICE, "device %d does not exist: %d device(s) available (see `geocl devices`; "
                                       "'reference' selects the plain-C backend)", i, registry.n_devices);
    return -2;
  }
  for (int i = 0; i < registry.n_devices; i++)
    if (contains_nocase(registry.devices[i].info.name, spec)) return i;
  geocl_set_error(GEOCL_E_NO_DEVICE,
                  "no device matches '%s' (%d device(s) available; see `geocl devices`; 'reference' "
                  "selects the plain-C backend)",
                  spec, registry.n_devices);
  return -2;
}

geocl_status geocl_backend_open(const char *spec, geocl_backend **out) {
  bool automatic;
  int i = spec_index(spec, &automatic);
  if (i == -2) return geocl_last_status();
  if (i >= 0) return open_device(i, out);
  if (automatic)
    geocl_logf(GEOCL_LOG_WARN, "no usable OpenCL device found; using the reference backend (plain C, slow). "
                              "`geocl devices` says why");
  return geocl_reference_open(out);
}

geocl_status geocl_list_devices(geocl_device_entry **entries, int *count, char **notes) {
  registry_init();
  int n = registry.n_devices + 1;
  geocl_device_entry *e = calloc((size_t)n, sizeof *e);
  if (!e) return geocl_set_error(GEOCL_E_NOMEM, "out of memory listing devices");
  bool automatic;
  int def = spec_index(NULL, &automatic); /* what a command without --device opens, $GEOCL_DEVICE included */
  char unmatched[512] = ""; /* $GEOCL_DEVICE names no device: none is the default */
  if (def == -2) {
    snprintf(unmatched, sizeof unmatched, "GEOCL_DEVICE: %s", geocl_last_error());
    geocl_clear_error();
  }
  for (int i = 0; i < registry.n_devices; i++) {
    e[i].index = i;
    e[i].backend = registry.devices[i].module->name;
    e[i].info = registry.devices[i].info;
    e[i].is_default = i == def;
  }
  geocl_backend *ref;
  geocl_status st = geocl_reference_open(&ref);
  if (st != GEOCL_OK) {
    free(e);
    return st;
  }
  e[n - 1].index = -1;
  e[n - 1].backend = "reference";
  e[n - 1].info = ref->device;
  e[n - 1].is_default = def == -1;
  ref->ops->destroy(ref);
  *entries = e;
  *count = n;
  *notes = strdup(registry.notes ? registry.notes : "");
  if (*notes && unmatched[0]) geocl_notes_append(notes, "%s", unmatched);
  return GEOCL_OK;
}

void geocl_device_list_free(geocl_device_entry *entries, char *notes) {
  free(entries);
  free(notes);
}
