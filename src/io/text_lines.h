/* SPDX-License-Identifier: MIT */
/* Line-by-line parsing of a NUL-terminated text buffer, in place. */
#ifndef GEOCL_TEXT_LINES_H
#define GEOCL_TEXT_LINES_H

#include <stddef.h>
#include <string.h>

/* Return the next line (terminated in place, '\r' and trailing blanks
 * removed) and advance *cursor, or NULL at the end. */
static inline char *text_next_line(char **cursor) {
  char *line = *cursor;
  if (!line || !*line) return NULL;
  char *end = strchr(line, '\n');
  if (end) {
    *end = '\0';
    *cursor = end + 1;
  } else {
    *cursor = line + strlen(line);
  }
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = '\0';
  return line;
}

/* Skip leading blanks. */
static inline char *text_skip_blanks(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

#endif
