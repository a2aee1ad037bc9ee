/* SPDX-License-Identifier: MIT */
/* The built-in data sources and the loader's access to a source. */
#ifndef GEOCL_DATA_SOURCES_H
#define GEOCL_DATA_SOURCES_H

#include <geocl/data.h>

extern const geocl_data_source_type source_synthetic;      /* source_synthetic.c */
extern const geocl_data_source_type source_pairs;          /* source_pairs.c */
extern const geocl_data_source_type source_kitti_odometry; /* source_kitti_odometry.c */
extern const geocl_data_source_type source_kitti_bench;     /* source_kitti_bench.c: stereo/flow, occ ground truth */
extern const geocl_data_source_type source_kitti_bench_noc; /* the same with noc ground truth */
extern const geocl_data_source_type source_kitti_depth;     /* source_kitti_depth.c */
extern const geocl_data_source_type source_kitti_object;   /* source_kitti_object.c */

/* Read one sample (out is zeroed first and freed on failure). */
geocl_status source_read(const geocl_data_source *s, void **thread, int64_t index, geocl_raw_sample *out);
void source_thread_free(const geocl_data_source *s, void *thread);

/* Directory layouts (source_files.c): file tests, and the numbers of the
 * NNNNNN<suffix> entries of dir, sorted (malloc'd; suffix "" lists bare
 * numbers). */
bool source_is_dir(const char *path);
bool source_is_file(const char *path);
geocl_status source_list_numbers(const char *dir, const char *suffix, int **out, int *count);

/* Read an image file as 8-bit RGB (source_pairs.c). */
geocl_status source_read_rgb8(const char *path, geocl_image *out);

#endif
