/* SPDX-License-Identifier: MIT */
/* The process-wide log sink. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <geocl/log.h>

static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static int log_level = GEOCL_LOG_WARN;
static geocl_log_fn log_sink;
static void *log_user;

static void level_from_env(void) {
  const char *v = getenv("GEOCL_LOG");
  if (!v || !*v) return;
  if (!strcasecmp(v, "off") || !strcasecmp(v, "none")) log_level = -1;
  else if (!strcasecmp(v, "error")) log_level = GEOCL_LOG_ERROR;
  else if (!strcasecmp(v, "warn") || !strcasecmp(v, "warning")) log_level = GEOCL_LOG_WARN;
  else if (!strcasecmp(v, "info")) log_level = GEOCL_LOG_INFO;
  else if (!strcasecmp(v, "debug")) log_level = GEOCL_LOG_DEBUG;
  else fprintf(stderr, "geocl: GEOCL_LOG=%s is not one of off, error, warn, info, debug; keeping warn\n", v);
}

void geocl_log_set_sink(geocl_log_fn fn, void *user) {
  log_sink = fn;
  log_user = user;
}

void geocl_log_set_level(geocl_log_level level) {
  pthread_once(&level_once, level_from_env);
  log_level = (int)level;
}

geocl_log_level geocl_log_get_level(void) {
  pthread_once(&level_once, level_from_env);
  return log_level < 0 ? GEOCL_LOG_ERROR : (geocl_log_level)log_level;
}

void geocl_logf(geocl_log_level level, const char *fmt, ...) {
  pthread_once(&level_once, level_from_env);
  if ((int)level > log_level) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (log_sink) {
    log_sink(level, msg, log_user);
    return;
  }
  static const char *names[] = {"error", "warning", "info", "debug"};
  fprintf(stderr, "geocl: %s: %s\n", names[level], msg);
}
