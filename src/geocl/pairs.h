/* SPDX-License-Identifier: MIT */
/* CroCo image-pair listings (naver/croco datasets/pairs_dataset.py).
 *
 *   pairs.txt    habitat style: "relpath1 relpath2" per line, relative to the
 *                directory holding the file;
 *   listing.txt  one path prefix P per line giving P_1.jpg and P_2.jpg; lines
 *                starting with '#' are comments.
 *
 * The first image of a pair is CroCo's img1 (masked and reconstructed), the
 * second the reference view. */
#ifndef GEOCL_PAIRS_H
#define GEOCL_PAIRS_H

#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_pair_list {
  int64_t count;
  char **first, **second; /* full paths: root + "/" + the listed path */
  char *arena;            /* storage of the strings */
} geocl_pair_list;

/* Read dir/pairs.txt, or dir/listing.txt when there is no pairs.txt. */
geocl_status geocl_pairs_read_dir(const char *dir, geocl_pair_list *list);
/* Read one file of either format; listed paths are joined to root. */
geocl_status geocl_pairs_read_habitat(const char *path, const char *root, geocl_pair_list *list);
geocl_status geocl_pairs_read_listing(const char *path, const char *root, geocl_pair_list *list);
void geocl_pair_list_free(geocl_pair_list *list);

#ifdef __cplusplus
}
#endif
#endif
