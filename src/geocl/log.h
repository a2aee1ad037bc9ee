/* SPDX-License-Identifier: MIT */
/* Logging: a process-wide sink with a level.  Quiet by default (warnings and
 * errors only); GEOCL_LOG=error|warn|info|debug|off sets the initial level. */
#ifndef GEOCL_LOG_H
#define GEOCL_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_log_level {
  GEOCL_LOG_ERROR = 0,
  GEOCL_LOG_WARN = 1,
  GEOCL_LOG_INFO = 2,
  GEOCL_LOG_DEBUG = 3
} geocl_log_level;

typedef void (*geocl_log_fn)(geocl_log_level level, const char *message, void *user);

/* Replace the sink (NULL restores the default: stderr, "geocl: " prefix). */
void geocl_log_set_sink(geocl_log_fn fn, void *user);
void geocl_log_set_level(geocl_log_level level);
geocl_log_level geocl_log_get_level(void);
void geocl_logf(geocl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define geocl_debug(...) geocl_logf(GEOCL_LOG_DEBUG, __VA_ARGS__)
#define geocl_info(...) geocl_logf(GEOCL_LOG_INFO, __VA_ARGS__)
#define geocl_warn(...) geocl_logf(GEOCL_LOG_WARN, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
