/* SPDX-License-Identifier: MIT */
/* Status names and the per-thread error message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <geocl/status.h>

#define MESSAGE_SIZE 1024

static _Thread_local char last_message[MESSAGE_SIZE];
static _Thread_local geocl_status last_status;

const char *geocl_status_name(geocl_status s) {
  switch (s) {
  case GEOCL_OK: return "OK";
  case GEOCL_E_INVALID: return "E_INVALID";
  case GEOCL_E_SHAPE: return "E_SHAPE";
  case GEOCL_E_NOMEM: return "E_NOMEM";
  case GEOCL_E_DEVICE_NOMEM: return "E_DEVICE_NOMEM";
  case GEOCL_E_IO: return "E_IO";
  case GEOCL_E_FORMAT: return "E_FORMAT";
  case GEOCL_E_NO_DEVICE: return "E_NO_DEVICE";
  case GEOCL_E_DEVICE: return "E_DEVICE";
  case GEOCL_E_BUILD: return "E_BUILD";
  case GEOCL_E_UNSUPPORTED: return "E_UNSUPPORTED";
  case GEOCL_E_MODULE: return "E_MODULE";
  case GEOCL_E_ABI: return "E_ABI";
  case GEOCL_E_NOT_FOUND: return "E_NOT_FOUND";
  case GEOCL_E_NUMERIC: return "E_NUMERIC";
  case GEOCL_E_STATE: return "E_STATE";
  case GEOCL_E_INTERRUPTED: return "E_INTERRUPTED";
  case GEOCL_E_CHECK: return "E_CHECK";
  }
  return "E_UNKNOWN";
}

const char *geocl_last_error(void) { return last_message; }

geocl_status geocl_last_status(void) { return last_status; }

void geocl_clear_error(void) {
  last_message[0] = '\0';
  last_status = GEOCL_OK;
}

geocl_status geocl_set_error(geocl_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_message, sizeof last_message, fmt, ap);
  va_end(ap);
  /* one line: fold any newline the caller's data brought in */
  for (char *p = last_message; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  last_status = s;
  return s;
}

void geocl_error_prefix(const char *fmt, ...) {
  char prefix[MESSAGE_SIZE / 2];
  char old[MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, last_message, sizeof old);
  size_t n = strlen(prefix);
  memcpy(last_message, prefix, n);
  last_message[n] = ':';
  last_message[n + 1] = ' ';
  size_t room = MESSAGE_SIZE - n - 3;
  size_t len = strnlen(old, room);
  memcpy(last_message + n + 2, old, len);
  last_message[n + 2 + len] = '\0';
}
