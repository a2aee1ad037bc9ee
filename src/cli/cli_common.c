/* SPDX-License-Identifier: MIT */
/* Helpers shared by the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include <geocl/geocl.h>

#include <geocl/dist.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (geocl_dist_size() > 1) fprintf(stderr, "[rank %d] ", geocl_dist_rank()); /* which process speaks */
  fprintf(stderr, "geocl %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_fail(const char *cmd) {
  cli_error(cmd, "%s", geocl_last_error());
  return CLI_FAIL;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || end == text || *end || v < min || v > max) {
    cli_error(cmd, "%s %s: expected a whole number from %lld to %lld", opt, text, (long long)min, (long long)max);
    return 1;
  }
  *out = v;
  return 0;
}

int cli_parse_number(const char *cmd, const char *opt, const char *text, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end || !(v >= lo && v <= hi)) {
    cli_error(cmd, "%s %s: expected a number from %g to %g", opt, text, lo, hi);
    return 1;
  }
  *out = v;
  return 0;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-') {
    cli_error(cmd, "%s %s: expected a non-negative integer", opt, text);
    return 1;
  }
  *out = v;
  return 0;
}

int cli_parse_size(const char *cmd, const char *opt, const char *text, int64_t *height, int64_t *width) {
  char *end;
  errno = 0;
  long long h = strtoll(text, &end, 10), w = h;
  if (!errno && end != text && (*end == 'x' || *end == 'X')) {
    const char *rest = end + 1;
    w = strtoll(rest, &end, 10);
    if (end == rest) end = (char *)text; /* "224x": no width */
  }
  if (errno || end == text || *end || h < 1 || w < 1) {
    cli_error(cmd, "%s %s: expected HxW or S, positive integers", opt, text);
    return 1;
  }
  *height = h;
  *width = w;
  return 0;
}
