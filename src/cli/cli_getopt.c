/* SPDX-License-Identifier: MIT */
/* Option parsing with one-line errors: getopt_long without its own messages,
 * and "did you mean" for a mistyped option or command. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Edit distance (insertions, deletions, substitutions, adjacent swaps). */
static size_t distance(const char *a, size_t na, const char *b, size_t nb) {
  size_t *row = malloc((nb + 1) * 3 * sizeof *row);
  if (!row) return (size_t)-1;
  size_t *prev2 = row, *prev = row + nb + 1, *cur = row + 2 * (nb + 1);
  for (size_t j = 0; j <= nb; j++) prev[j] = j;
  for (size_t i = 1; i <= na; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
      if (prev[j] + 1 < best) best = prev[j] + 1;
      if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
        best = prev2[j - 2] + 1;
      cur[j] = best;
    }
    size_t *t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  size_t d = prev[nb];
  free(row);
  return d;
}

const char *cli_closest(const char *word, size_t len, const char *const *names, size_t n) {
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    size_t d = distance(word, len, names[i], strlen(names[i]));
    if (d < best_d) best_d = d, best = names[i];
  }
  /* close enough to be a typo: a third of the word, at least one edit */
  size_t limit = len / 3 > 1 ? len / 3 : 1;
  return best_d <= limit ? best : NULL;
}

/* The long option's name of a '--name[=value]' argument. */
static void bad_long(const char *cmd, const char *arg, const struct option *longopts) {
  const char *name = arg + 2, *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  size_t n = 0, matches = 0;
  const struct option *exact = NULL, *prefix = NULL; /* getopt_long accepts a unique prefix */
  for (const struct option *o = longopts; o->name; o++, n++) {
    if (strncmp(o->name, name, len)) continue;
    matches++;
    prefix = o;
    if (strlen(o->name) == len) exact = o;
  }
  if (!exact && matches == 1) exact = prefix;
  if (exact && exact->has_arg == required_argument && !eq) {
    cli_error(cmd, "option '--%s' needs a value (see 'geocl %s --help')", exact->name, cmd);
    return;
  }
  if (exact && exact->has_arg == no_argument && eq) {
    cli_error(cmd, "option '--%s' takes no value (see 'geocl %s --help')", exact->name, cmd);
    return;
  }
  if (matches > 1) {
    cli_error(cmd, "option '--%.*s' is ambiguous (see 'geocl %s --help')", (int)len, name, cmd);
    return;
  }
  const char **names = malloc((n ? n : 1) * sizeof *names);
  const char *guess = NULL;
  if (names) {
    for (size_t i = 0; i < n; i++) names[i] = longopts[i].name;
    guess = cli_closest(name, len, names, n);
    free(names);
  }
  if (guess) cli_error(cmd, "unknown option '--%.*s'; did you mean '--%s'? (see 'geocl %s --help')", (int)len, name,
                       guess, cmd);
  else cli_error(cmd, "unknown option '--%.*s' (see 'geocl %s --help')", (int)len, name, cmd);
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts,
               int *index) {
  opterr = 0;
  int before = optind;
  int c = getopt_long(argc, argv, shortopts, longopts, index);
  if (c != '?' && c != ':') return c;
  /* the argument getopt stopped at: the one before optind, or the current one for a short option cluster */
  const char *arg = optind > before && optind - 1 < argc ? argv[optind - 1] : argv[before < argc ? before : argc - 1];
  if (!strncmp(arg, "--", 2)) bad_long(cmd, arg, longopts);
  else if (optopt && strchr(shortopts, optopt))
    cli_error(cmd, "option '-%c' needs a value (see 'geocl %s --help')", optopt, cmd);
  else cli_error(cmd, "unknown option '-%c' (see 'geocl %s --help')", optopt ? optopt : '?', cmd);
  return '?';
}
