/* SPDX-License-Identifier: MIT */
/* Fuzz target: CroCo pair listings.  The first byte picks the format (even:
 * habitat pairs.txt, odd: listing.txt prefixes), the rest is the file.  An
 * accepted list has at least one pair and every path under the root. */
#include <stdlib.h>
#include <string.h>

#include <geocl/pairs.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fuzz_quiet();
  const char *path = fuzz_file("pairs.txt", data + 1, size - 1);
  geocl_pair_list l;
  geocl_status st = data[0] % 2 ? geocl_pairs_read_listing(path, "root", &l) : geocl_pairs_read_habitat(path, "root", &l);
  if (st != GEOCL_OK) return 0;
  if (l.count < 1) abort();
  for (int64_t i = 0; i < l.count; i++)
    if (strncmp(l.first[i], "root/", 5) || strncmp(l.second[i], "root/", 5)) abort();
  geocl_pair_list_free(&l);
  return 0;
}
