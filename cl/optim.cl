/* SPDX-License-Identifier: MIT */
/* Optimisers over flat buffers, one work-item per element (exact semantics:
 * geocl_adamw_args / geocl_sgd_args in src/geocl/backend-api.h).  The
 * gradient is multiplied by the device scalar scale[soff] when has_scale is
 * set: the clipping coefficient, so clipping needs no host round trip.
 * Step-dependent constants arrive precomputed by backends/opencl/k_optim.c. */

__kernel void adamw_step(long n, __global float *p, ulong poff, __global const float *g, ulong goff,
                         __global float *m, ulong moff, __global float *v, ulong voff, __global const float *scale,
                         ulong soff, int has_scale, float decay, float beta1, float one_minus_beta1, float beta2,
                         float one_minus_beta2, float eps, float step_size, float bc2_sqrt) {
  long i = get_global_id(0);
  if (i >= n) return;
  float gi = has_scale ? g[goff + i] * scale[soff] : g[goff + i];
  float pi = p[poff + i] * decay;
  float mi = beta1 * m[moff + i] + one_minus_beta1 * gi;
  float vi = beta2 * v[voff + i] + one_minus_beta2 * gi * gi;
  m[moff + i] = mi;
  v[voff + i] = vi;
  p[poff + i] = pi - step_size * (mi / (sqrt(vi) / bc2_sqrt + eps));
}

__kernel void sgd_step(long n, __global float *p, ulong poff, __global const float *g, ulong goff,
                       __global float *buf, ulong boff, __global const float *scale, ulong soff, int has_scale,
                       float lr, float momentum, float one_minus_dampening, float weight_decay, int nesterov,
                       int first_step) {
  long i = get_global_id(0);
  if (i >= n) return;
  float pi = p[poff + i];
  float d = (has_scale ? g[goff + i] * scale[soff] : g[goff + i]) + weight_decay * pi;
  if (momentum != 0.0f) {
    float b = first_step ? d : momentum * buf[boff + i] + one_minus_dampening * d;
    buf[boff + i] = b;
    d = nesterov ? d + momentum * b : b;
  }
  p[poff + i] = pi - lr * d;
}

/* out = min(1, max_norm/(√sumsq + 1e-6)): torch.nn.utils.clip_grad_norm_'s coefficient */
__kernel void clip_coef(float max_norm, __global const float *sumsq, ulong soff, __global float *out, ulong ooff) {
  if (get_global_id(0) != 0) return;
  out[ooff] = fmin(max_norm / (sqrt(sumsq[soff]) + 1e-6f), 1.0f);
}
