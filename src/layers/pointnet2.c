/* SPDX-License-Identifier: MIT */
/* PointNet++ set abstraction: centre sampling (mmdet3d's Points_Sampler) and
 * grouping per ring (QueryAndGroup with dilated balls).  See
 * <geocl/pointnet2.h>. */
#include <geocl/pointnet2.h>

/* The picks of one stage over the points [begin, begin + count) */
static geocl_tensor *sample_stage(geocl_tensor *xyz, geocl_tensor *joint, const geocl_fps_stage *s, int64_t begin,
                                  int64_t count) {
  geocl_tensor *d = s->mode != GEOCL_FPS_F ? geocl_farthest_point_sample_range(xyz, begin, count, s->samples) : NULL;
  geocl_tensor *f = s->mode != GEOCL_FPS_D ? geocl_farthest_point_sample_range(joint, begin, count, s->samples) : NULL;
  if (s->mode == GEOCL_FPS_D) return d;
  if (s->mode == GEOCL_FPS_F) return f;
  return geocl_concat(2, (geocl_tensor *[]){f, d}, 1);
}

geocl_tensor *geocl_pointnet2_sample(geocl_tensor *xyz, geocl_tensor *features, int stages,
                                     const geocl_fps_stage *stage) {
  if (!xyz) return NULL;
  int64_t n = geocl_ndim(xyz) == 3 ? geocl_dim(xyz, 1) : 0, begin = 0;
  bool need_features = false;
  for (int s = 0; s < stages; s++) need_features |= stage[s].mode != GEOCL_FPS_D;
  if (stages < 1 || stages > 8 || (need_features && !features)) {
    geocl_set_error(GEOCL_E_INVALID, "pointnet2_sample: %d stages%s: 1 to 8, and features for F-FPS", stages,
                    need_features && !features ? " with F-FPS and no features" : "");
    return NULL;
  }
  /* F-FPS's space: [xyz, features] (mmdet3d's FFPS), outside the tape */
  geocl_tensor *joint = need_features
                            ? geocl_concat(2, (geocl_tensor *[]){geocl_detach(xyz), geocl_detach(features)}, 2)
                            : NULL;
  if (need_features && !joint) return NULL;
  geocl_tensor *picks[8];
  for (int s = 0; s < stages; s++) {
    int64_t count = stage[s].count < 0 ? n - begin : stage[s].count;
    picks[s] = sample_stage(xyz, joint, &stage[s], begin, count);
    if (!picks[s]) return NULL; /* the op named the range or count */
    begin += count;
  }
  return stages == 1 ? picks[0] : geocl_concat(stages, picks, 1);
}

geocl_status geocl_pointnet2_group(geocl_tensor *xyz, geocl_tensor *features, geocl_tensor *centres, int rings,
                                   const geocl_ball_ring *ring, bool use_xyz, geocl_tensor **out) {
  if (!xyz || !centres || !out || (!features && !use_xyz))
    return geocl_set_error(GEOCL_E_INVALID, "pointnet2_group: needs xyz, centres, outputs, and features or use_xyz");
  geocl_tensor *idx = geocl_ball_query(xyz, centres, rings, ring);
  if (!idx) return geocl_last_status();
  int64_t b = geocl_dim(centres, 0), m = geocl_dim(centres, 1);
  geocl_tensor *centre = use_xyz ? geocl_reshape(centres, 4, (int64_t[]){b, m, 1, 3}) : NULL;
  for (int r = 0, o = 0; r < rings; o += ring[r++].nsample) {
    geocl_tensor *slots = geocl_narrow(idx, 2, o, ring[r].nsample);
    geocl_tensor *rel = use_xyz ? geocl_sub(geocl_group_points(xyz, slots), centre) : NULL;
    geocl_tensor *f = features ? geocl_group_points(features, slots) : NULL;
    out[r] = !use_xyz ? f : !features ? rel : geocl_concat(2, (geocl_tensor *[]){rel, f}, 3);
    if (!out[r]) return geocl_last_status();
  }
  return GEOCL_OK;
}
