/* SPDX-License-Identifier: MIT */
/* Test-only plugin with custom ops (geocl/custom-op.h), registered from its
 * create function:
 *
 *   scaled_softplus(x, w; rows, cols; β): y[r,c] = w[c]·softplus(β·x[r,c])/β
 *     for x of rows·cols elements, w [cols]; forward and backward kernels.
 *   take_rows(x, idx; k, cols): y[j,:] = x[idx[j],:] for x [n, cols], i32
 *     idx [k]; y [k, cols]; dx[i,:] = Σ over j with idx[j] = i of dy[j,:].
 *
 * Its task's loss is mean(scaled_softplus(image1, 1; β)).  The OpenCL source
 * can be built with a deliberate error (SOFTPLUS_BUG_FORWARD: the forward
 * forgets 1/β; SOFTPLUS_BUG_BACKWARD: dw is 0.5% too large), which
 * tests/check_custom_op.c uses to prove the op checks catch a wrong kernel. */
#include <geocl/custom-op.h>
#include <geocl/geocl.h>
#include <geocl/plugin.h>
#include <math.h>
#include <stdlib.h>

/* ---- scaled_softplus ---- */

static const char softplus_cl[] =
    "inline float softplus(float z) { return fmax(z, 0.0f) + log1p(exp(-fabs(z))); }\n"
    "inline float sigmoid(float z) {\n"
    "  float e = exp(-fabs(z));\n"
    "  return z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);\n"
    "}\n"
    "__kernel void scaled_softplus_forward(long n, __global const float *x, ulong xo, __global const float *w,\n"
    "                                      ulong wo, __global float *y, ulong yo, long rows, long cols,\n"
    "                                      float beta) {\n"
    "  long i = get_global_id(0);\n"
    "  if (i >= n) return;\n"
    "#ifdef SOFTPLUS_BUG_FORWARD\n"
    "  y[yo + i] = w[wo + i % cols] * softplus(beta * x[xo + i]);\n"
    "#else\n"
    "  y[yo + i] = w[wo + i % cols] * softplus(beta * x[xo + i]) / beta;\n"
    "#endif\n"
    "}\n"
    "/* one work-item per column: dx for the column, dw[c] summed over the rows */\n"
    "__kernel void scaled_softplus_backward(long n, __global const float *x, ulong xo, __global const float *w,\n"
    "                                       ulong wo, __global const float *y, ulong yo,\n"
    "                                       __global const float *dy, ulong dyo, __global float *dx, ulong dxo,\n"
    "                                       __global float *dw, ulong dwo, long rows, long cols, float beta) {\n"
    "  long c = get_global_id(0);\n"
    "  if (c >= n) return;\n"
    "  float wc = w[wo + c], acc = 0.0f;\n"
    "  for (long r = 0; r < rows; r++) {\n"
    "    long i = r * cols + c;\n"
    "    float z = beta * x[xo + i], g = dy[dyo + i];\n"
    "    if (dx) dx[dxo + i] = g * wc * sigmoid(z);\n"
    "    acc += g * softplus(z) / beta;\n"
    "  }\n"
    "#ifdef SOFTPLUS_BUG_BACKWARD\n"
    "  acc *= 1.005f;\n"
    "#endif\n"
    "  if (dw) dw[dwo + c] = acc;\n"
    "}\n";

static double softplus(double z) { return fmax(z, 0) + log1p(exp(-fabs(z))); }
static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

static geocl_status softplus_shape(const geocl_custom_args *a, int *ndim, int64_t *shape) {
  int64_t rows = a->ints[0], cols = a->ints[1];
  if (rows < 0 || cols < 1 || rows * cols != a->in[0].numel)
    return geocl_set_error(GEOCL_E_SHAPE, "rows %lld × cols %lld do not match x's %lld elements", (long long)rows,
                           (long long)cols, (long long)a->in[0].numel);
  if (a->in[1].ndim != 1 || a->in[1].shape[0] != cols)
    return geocl_set_error(GEOCL_E_SHAPE, "w must have shape [%lld]", (long long)cols);
  if (a->floats[0] == 0) return geocl_set_error(GEOCL_E_INVALID, "beta must not be 0");
  *ndim = a->in[0].ndim;
  for (int i = 0; i < *ndim; i++) shape[i] = a->in[0].shape[i];
  return GEOCL_OK;
}

static geocl_status softplus_forward(const geocl_custom_args *a) {
  const float *x = a->in[0].data, *w = a->in[1].data;
  float *y = a->out.data;
  int64_t cols = a->ints[1];
  double beta = a->floats[0];
  for (int64_t i = 0; i < a->out.numel; i++) y[i] = (float)(w[i % cols] * softplus(beta * x[i]) / beta);
  return GEOCL_OK;
}

static geocl_status softplus_backward(const geocl_custom_args *a) {
  const float *x = a->in[0].data, *w = a->in[1].data, *dy = a->dout.data;
  float *dx = a->din[0].data, *dw = a->din[1].data;
  int64_t rows = a->ints[0], cols = a->ints[1];
  double beta = a->floats[0];
  for (int64_t c = 0; c < cols; c++) {
    double acc = 0;
    for (int64_t r = 0; r < rows; r++) {
      int64_t i = r * cols + c;
      double z = beta * x[i];
      if (dx) dx[i] = (float)(dy[i] * w[c] * sigmoid(z));
      acc += dy[i] * softplus(z) / beta;
    }
    if (dw) dw[c] = (float)acc;
  }
  return GEOCL_OK;
}

static int64_t softplus_work_items(const geocl_custom_args *a, int backward) {
  return backward ? a->ints[1] : a->out.numel;
}

static const geocl_custom_op_desc scaled_softplus = {
    .name = "scaled_softplus",
    .n_in = 2,
    .n_ints = 2,
    .n_floats = 1,
    .output_shape = softplus_shape,
    .forward = softplus_forward,
    .backward = softplus_backward,
    .cl_source = softplus_cl,
    .cl_forward = "scaled_softplus_forward",
    .cl_backward = "scaled_softplus_backward",
    .work_items = softplus_work_items,
};

/* ---- take_rows ---- */

static const char take_rows_cl[] =
    "__kernel void take_rows_forward(long n, __global const float *x, ulong xo, __global const int *idx,\n"
    "                                ulong io, __global float *y, ulong yo, long k, long cols) {\n"
    "  long i = get_global_id(0);\n"
    "  if (i >= n) return;\n"
    "  y[yo + i] = x[xo + idx[io + i / cols] * cols + i % cols];\n"
    "}\n"
    "/* one work-item per element of x */\n"
    "__kernel void take_rows_backward(long n, __global const float *x, ulong xo, __global const int *idx,\n"
    "                                 ulong io, __global const float *y, ulong yo, __global const float *dy,\n"
    "                                 ulong dyo, __global float *dx, ulong dxo, __global int *didx, ulong dio,\n"
    "                                 long k, long cols) {\n"
    "  long i = get_global_id(0);\n"
    "  if (i >= n) return;\n"
    "  long row = i / cols, c = i % cols;\n"
    "  float acc = 0.0f;\n"
    "  for (long j = 0; j < k; j++)\n"
    "    if (idx[io + j] == row) acc += dy[dyo + j * cols + c];\n"
    "  dx[dxo + i] = acc;\n"
    "}\n";

static geocl_status take_rows_shape(const geocl_custom_args *a, int *ndim, int64_t *shape) {
  int64_t k = a->ints[0], cols = a->ints[1];
  if (a->in[0].ndim != 2 || a->in[0].shape[1] != cols || a->in[1].ndim != 1 || a->in[1].shape[0] != k)
    return geocl_set_error(GEOCL_E_SHAPE, "x must be [n, %lld] and idx [%lld]", (long long)cols, (long long)k);
  *ndim = 2;
  shape[0] = k;
  shape[1] = cols;
  return GEOCL_OK;
}

static geocl_status take_rows_forward(const geocl_custom_args *a) {
  const float *x = a->in[0].data;
  const int32_t *idx = a->in[1].data;
  float *y = a->out.data;
  int64_t n = a->in[0].shape[0], k = a->ints[0], cols = a->ints[1];
  for (int64_t j = 0; j < k; j++) {
    if (idx[j] < 0 || idx[j] >= n)
      return geocl_set_error(GEOCL_E_INVALID, "idx[%lld] = %d is not a row of x (%lld rows)", (long long)j, idx[j],
                             (long long)n);
    for (int64_t c = 0; c < cols; c++) y[j * cols + c] = x[idx[j] * cols + c];
  }
  return GEOCL_OK;
}

static geocl_status take_rows_backward(const geocl_custom_args *a) {
  const int32_t *idx = a->in[1].data;
  const float *dy = a->dout.data;
  float *dx = a->din[0].data;
  int64_t k = a->ints[0], cols = a->ints[1];
  for (int64_t i = 0; i < a->din[0].numel; i++) dx[i] = 0;
  for (int64_t j = 0; j < k; j++)
    for (int64_t c = 0; c < cols; c++) dx[idx[j] * cols + c] += dy[j * cols + c];
  return GEOCL_OK;
}

static int64_t take_rows_work_items(const geocl_custom_args *a, int backward) {
  return backward ? a->in[0].numel : a->out.numel;
}

static const geocl_custom_op_desc take_rows = {
    .name = "take_rows",
    .n_in = 2,
    .i32_inputs = 1u << 1,
    .n_ints = 2,
    .output_shape = take_rows_shape,
    .forward = take_rows_forward,
    .backward = take_rows_backward,
    .cl_source = take_rows_cl,
    .cl_forward = "take_rows_forward",
    .cl_backward = "take_rows_backward",
    .work_items = take_rows_work_items,
};

/* ---- the task ---- */

typedef struct state {
  const geocl_custom_op *softplus;
  float beta;
} state;

static const geocl_option options[] = {
    {"beta", GEOCL_OPTION_FLOAT, "1.5", "softplus sharpness"},
    {NULL},
};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *backbone,
                           void **out) {
  state *s = malloc(sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "customop: out of memory");
  geocl_status st = geocl_custom_op_register(&scaled_softplus, &s->softplus);
  if (st == GEOCL_OK) st = geocl_custom_op_register(&take_rows, NULL);
  if (st != GEOCL_OK) {
    free(s);
    return st;
  }
  s->beta = (float)geocl_config_float(cfg, "beta");
  *out = s;
  return GEOCL_OK;
}

static geocl_status init_weights(void *st, geocl_rng *rng) { return GEOCL_OK; }

static geocl_status forward(void *st, const geocl_batch *b, geocl_outputs *out) {
  state *s = st;
  geocl_tensor *x = geocl_batch_require(b, "customop", "image1");
  if (!x) return geocl_last_status();
  int64_t cols = geocl_dim(x, -1);
  geocl_tensor *w = geocl_full(geocl_tensor_ctx(x), 1.0f, GEOCL_SHAPE(cols));
  geocl_tensor *y = geocl_custom(s->softplus, (geocl_tensor *[]){x, w},
                                 (const int64_t[]){geocl_numel(x) / cols, cols}, &s->beta);
  return geocl_outputs_add(out, "loss", geocl_mean_all(y));
}

static const char *const fields[] = {"image1", NULL};

static void destroy(void *st) { free(st); }

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "customop",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "test plugin with custom ops",
    .train_fields = fields,
    .infer_fields = fields,
    .options = options,
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
