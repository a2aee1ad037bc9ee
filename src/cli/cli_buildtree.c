/* SPDX-License-Identifier: MIT */
/* The uninstalled geocl finds its build tree's modules by itself.  A libtool
 * build runs src/cli/.libs/geocl through the wrapper script src/cli/geocl (a
 * static build runs src/cli/geocl itself); when the executable lies there in a
 * configured tree (config.status next to src/), that tree's backend and plugin
 * directories are searched after those of $GEOCL_BACKEND_PATH and
 * $GEOCL_PLUGIN_PATH and before the install directories.  An installed geocl
 * is never under such a tree, so it is left alone. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Remove the last path component of path ("" when there is none). */
static const char *strip(char *path, const char *want) {
  char *slash = strrchr(path, '/');
  if (!slash) return NULL;
  const char *last = slash + 1;
  if (want && strcmp(last, want)) return NULL;
  *slash = '\0';
  return last;
}

static void append_env(const char *var, const char *top, const char *sub) {
  const char *old = getenv(var);
  size_t n = (old ? strlen(old) : 0) + strlen(top) + strlen(sub) + 3;
  char *value = malloc(n);
  if (!value) return; /* the install directory is still searched */
  snprintf(value, n, "%s%s%s/%s", old && *old ? old : "", old && *old ? ":" : "", top, sub);
  setenv(var, value, 1);
  free(value);
}

void cli_use_build_tree(void) {
  char exe[PATH_MAX], check[PATH_MAX + 32];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return; /* not Linux, or no /proc: the environment variables still work */
  exe[n] = '\0';
  if (!strip(exe, NULL)) return; /* the executable's directory */
  char *last = strrchr(exe, '/');
  if (last && !strcmp(last + 1, ".libs")) *last = '\0';
  if (!strip(exe, "cli") || !strip(exe, "src")) return;
  snprintf(check, sizeof check, "%s/config.status", exe);
  if (access(check, F_OK)) return;
  append_env("GEOCL_BACKEND_PATH", exe, "backends/opencl/.libs");
  append_env("GEOCL_PLUGIN_PATH", exe, "plugins/.libs");
}
