/* SPDX-License-Identifier: MIT */
/* Status codes and the per-thread error message.
 *
 * Every fallible library function returns a geocl_status (or NULL for
 * constructors) and leaves a one-line message saying what was wrong and where
 * (file, tensor, option, shape).  Nothing in the library exits or aborts. */
#ifndef GEOCL_STATUS_H
#define GEOCL_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_status {
  GEOCL_OK = 0,
  GEOCL_E_INVALID = -1,      /* bad argument or option value */
  GEOCL_E_SHAPE = -2,        /* tensor shapes or dtypes do not fit the operation */
  GEOCL_E_NOMEM = -3,        /* host memory exhausted */
  GEOCL_E_DEVICE_NOMEM = -4, /* device memory exhausted */
  GEOCL_E_IO = -5,           /* a file could not be opened, read or written */
  GEOCL_E_FORMAT = -6,       /* a file is malformed or truncated */
  GEOCL_E_NO_DEVICE = -7,    /* no (matching) compute device */
  GEOCL_E_DEVICE = -8,       /* the device runtime reported an error */
  GEOCL_E_BUILD = -9,        /* a device program failed to compile */
  GEOCL_E_UNSUPPORTED = -10, /* the backend does not implement this operation */
  GEOCL_E_MODULE = -11,      /* a backend or plugin module could not be loaded */
  GEOCL_E_ABI = -12,         /* a module was built for another ABI */
  GEOCL_E_NOT_FOUND = -13,   /* a named thing (plugin, tensor, key) does not exist */
  GEOCL_E_NUMERIC = -14,     /* NaN or infinity where a finite value is required */
  GEOCL_E_STATE = -15,       /* call in the wrong state (e.g. backward twice) */
  GEOCL_E_INTERRUPTED = -16, /* stopped on request (signal) */
  GEOCL_E_CHECK = -17        /* an op check failed: results differ beyond the tolerance (geocl/op-check.h) */
} geocl_status;

/* Short stable name of a status ("E_SHAPE", ...). */
const char *geocl_status_name(geocl_status s);

/* Message of the most recent failure on this thread ("" if none). */
const char *geocl_last_error(void);
/* Status of the most recent failure on this thread (GEOCL_OK if none). */
geocl_status geocl_last_status(void);
void geocl_clear_error(void);

/* Record a failure and return s.  printf-style message, one line, no trailing
 * period needed.  Used by the library, backends and plugins alike. */
geocl_status geocl_set_error(geocl_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the current message with context ("loading W.safetensors: ..."). */
void geocl_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif
#endif
