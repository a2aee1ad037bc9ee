/* SPDX-License-Identifier: MIT */
/* The built-in sample pipelines. */
#ifndef GEOCL_DATA_PIPELINES_H
#define GEOCL_DATA_PIPELINES_H

#include <geocl/data.h>

extern const geocl_pipeline_type pipeline_pair;  /* pipeline_pair.c */
extern const geocl_pipeline_type pipeline_dense; /* pipeline_dense.c */
extern const geocl_pipeline_type pipeline_lidar; /* pipeline_lidar.c */

#endif
