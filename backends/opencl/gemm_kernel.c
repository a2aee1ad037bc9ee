/* SPDX-License-Identifier: MIT */
/* geocl's own SGEMM (cl/gemm.cl): parameter sets, their programs and
 * kernels, the packing scratch buffer each backend instance keeps, launches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>

#include "gemm.h"

/* Scratch for packed operands is grown up to this size; larger batches are
 * packed and multiplied a chunk of batch items at a time. */
#define SCRATCH_CAP ((size_t)64 << 20)
#define PACK_P 16 /* steps of k one packing work-item copies */

/* The kernels of one parameter set on one backend instance. */
typedef struct gemm_variant {
  ocl_gemm_params params;
  ocl_kernel_slot pack_a, pack_b, tile;
  struct gemm_variant *next;
} gemm_variant;

/* Packed panels of a B that the caller tagged (geocl_gemm_args.b_tag: a
 * weight between two optimizer steps) are kept in a ring buffer of
 * GEOCL_PACK_CACHE MiB, oldest overwritten first, and reused by the next
 * product with the same B and layout: CroCo's encoder runs both views
 * through each block back to back, so every encoder weight is packed once
 * per direction a step instead of twice.  The panels are the same bytes
 * either way.  Until some tagged B comes back, tagged Bs are only noted and
 * no ring is made, so models that use each weight once hold none. */
#define PACK_CACHE_DEFAULT_MIB 64
#define PACK_CACHE_SLOTS 64

typedef struct packed_b {
  uint64_t tag; /* 0: empty */
  cl_mem src;
  size_t src_off;
  cl_long n, k, ld;
  int trans;
  int tn, panels; /* the panels' layout: tile width, and one panel per tile or one for all */
  size_t at, floats; /* its panels in the ring */
} packed_b;

struct ocl_gemm_state {
  gemm_variant *variants;
  cl_mem scratch;
  size_t scratch_bytes;
  cl_mem ring;           /* made when a tagged B first comes back */
  size_t ring_floats;    /* its capacity; 0: no reuse */
  size_t ring_next;      /* where the next panels go */
  packed_b packed[PACK_CACHE_SLOTS];
  int next_slot;
};

static int floor_pow2(size_t x, int cap) {
  int p = 1;
  while (p * 2 <= cap && (size_t)(p * 2) <= x) p *= 2;
  return p;
}

void ocl_gemm_default_params(const ocl_device *dev, ocl_gemm_params *p) {
  size_t max_wg = dev->info.max_work_group ? dev->info.max_work_group : 1;
  if (dev->family == OCL_FAMILY_CPU) {
    /* A CPU runs a work-group as a loop over its work-items: one work-item
     * per group, 12 accumulator vectors per micro-tile, B packed so each
     * work-item reads it as one sequential stream, A read in place unless
     * transposed.  6 rows × 2 vectors (plus 2 vectors of B and a broadcast)
     * fit 16 vector registers; where the preferred width is 16 (AVX-512,
     * 32 registers) 4 rows × 3 vectors load less per multiply-add and
     * measured 10–40% faster on the transformer shapes (docs/performance.md). */
    cl_uint pref = 0;
    clGetDeviceInfo(dev->id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, sizeof pref, &pref, NULL);
    int vw = floor_pow2(pref ? pref : 4, 16);
    *p = (ocl_gemm_params){.tm = vw >= 16 ? 4 : 6,
                           .vw = vw,
                           .nv = vw >= 16 ? 3 : 2,
                           .ku = 4,
                           .wg0 = 1,
                           .wg1 = 1,
                           .panels = 1,
                           .pack_a = 2,
                           .pack_b = 1,
                           .pack_wg = 1};
  } else {
    /* GPUs and accelerators: 4×4 per work-item, a square work-group of the
     * family's side (as many micro-tiles as the device allows), rows laid
     * out so that neighbouring work-items read neighbouring addresses. */
    int side = dev->defaults.gemm_side;
    while (side > 1 && (size_t)(side * side) > max_wg) side /= 2;
    *p = (ocl_gemm_params){.tm = 4,
                           .vw = 4,
                           .nv = 1,
                           .ku = 4,
                           .wg0 = side,
                           .wg1 = side,
                           .panels = 0,
                           .pack_a = 1,
                           .pack_b = 1,
                           .pack_wg = floor_pow2(dev->defaults.launch_wg, 64)};
  }
}

bool ocl_gemm_params_valid(const ocl_device *dev, const ocl_gemm_params *p) {
  bool vw_ok = p->vw == 1 || p->vw == 2 || p->vw == 4 || p->vw == 8 || p->vw == 16;
  size_t max_wg = dev->info.max_work_group ? dev->info.max_work_group : 1;
  return vw_ok && p->tm >= 1 && p->tm <= 16 && p->nv >= 1 && p->nv <= 8 && p->ku >= 1 && p->ku <= 16 && p->wg0 >= 1 &&
         p->wg1 >= 1 && (size_t)p->wg0 * (size_t)p->wg1 <= max_wg && p->pack_wg >= 1 && (size_t)p->pack_wg <= max_wg &&
         (p->panels == 0 || p->panels == 1) && p->pack_a >= 0 && p->pack_a <= 2 && p->pack_b >= 0 && p->pack_b <= 2;
}

static int add(const ocl_device *dev, const ocl_gemm_params *base, const ocl_gemm_params *v, ocl_gemm_params *out,
               int n) {
  if (n < OCL_GEMM_MAX_VARIATIONS && ocl_gemm_params_valid(dev, v) && memcmp(v, base, sizeof *v)) out[n++] = *v;
  return n;
}

int ocl_gemm_variations(const ocl_device *dev, const ocl_gemm_params *base, int stage, bool quick,
                        ocl_gemm_params *out) {
  bool gpu = base->panels == 0;
  static const int cpu_tiles[][2] = {{6, 2}, {4, 2}, {8, 2}, {10, 2}, {12, 2},
                                     {4, 3}, {6, 3}, {8, 3}, {12, 1}, {16, 1}};
  static const int gpu_tiles[][2] = {{4, 1}, {2, 1}, {8, 1}, {4, 2}, {8, 2}};
  static const int cpu_wg[][2] = {{1, 1}, {2, 1}, {4, 1}, {1, 2}};
  static const int gpu_wg[][2] = {{16, 16}, {8, 8}, {16, 8}, {8, 16}, {32, 8}};
  int n = 0;
  ocl_gemm_params v = *base;
  if (stage == 0) {
    const int(*tiles)[2] = gpu ? gpu_tiles : cpu_tiles;
    int n_tiles = gpu ? (int)(sizeof gpu_tiles / sizeof *gpu_tiles) : (int)(sizeof cpu_tiles / sizeof *cpu_tiles);
    for (int i = 0; i < (quick ? 3 : n_tiles); i++) {
      v = *base;
      v.tm = tiles[i][0];
      v.nv = tiles[i][1];
      n = add(dev, base, &v, out, n);
    }
    v = *base; /* the same tile in half-width vectors */
    v.vw /= 2;
    v.nv *= 2;
    if (!quick && v.vw) n = add(dev, base, &v, out, n);
    return n;
  }
  if (quick) return 0;
  for (int ku = 1; ku <= 8; ku *= 2) {
    v = *base;
    v.ku = ku;
    n = add(dev, base, &v, out, n);
  }
  const int(*wg)[2] = gpu ? gpu_wg : cpu_wg;
  int n_wg = gpu ? (int)(sizeof gpu_wg / sizeof *gpu_wg) : (int)(sizeof cpu_wg / sizeof *cpu_wg);
  for (int i = 0; i < n_wg; i++) {
    v = *base;
    v.wg0 = wg[i][0];
    v.wg1 = wg[i][1];
    n = add(dev, base, &v, out, n);
  }
  for (int pa = 0; pa <= 2; pa++)
    for (int pb = 0; pb <= 1; pb++) {
      v = *base;
      v.pack_a = pa;
      v.pack_b = pb;
      n = add(dev, base, &v, out, n);
    }
  v = *base;
  v.panels = !base->panels;
  return add(dev, base, &v, out, n);
}

void ocl_gemm_choice_format(const ocl_gemm_choice *c, char *out, size_t size) {
  const ocl_gemm_params *p = &c->params;
  if (c->impl == OCL_GEMM_CLBLAST)
    snprintf(out, size, "clblast");
  else
    snprintf(out, size, "geocl tm=%d vw=%d nv=%d ku=%d wg=%dx%d panels=%d pack_a=%d pack_b=%d pack_wg=%d", p->tm, p->vw,
             p->nv, p->ku, p->wg0, p->wg1, p->panels, p->pack_a, p->pack_b, p->pack_wg);
}

bool ocl_gemm_choice_parse(const char *text, ocl_gemm_choice *c) {
  memset(c, 0, sizeof *c);
  int used = 0;
  if (sscanf(text, " clblast %n", &used) == 0 && used > 0 && text[used] == '\0') {
    c->impl = OCL_GEMM_CLBLAST;
    return true;
  }
  ocl_gemm_params *p = &c->params;
  used = 0;
  int fields =
      sscanf(text, " geocl tm=%d vw=%d nv=%d ku=%d wg=%dx%d panels=%d pack_a=%d pack_b=%d pack_wg=%d %n", &p->tm,
             &p->vw, &p->nv, &p->ku, &p->wg0, &p->wg1, &p->panels, &p->pack_a, &p->pack_b, &p->pack_wg, &used);
  c->impl = OCL_GEMM_GEOCL;
  return fields == 10 && used > 0 && text[used] == '\0';
}

static void free_variant(gemm_variant *v) {
  if (v->pack_a.kernel) clReleaseKernel(v->pack_a.kernel);
  if (v->pack_b.kernel) clReleaseKernel(v->pack_b.kernel);
  if (v->tile.kernel) clReleaseKernel(v->tile.kernel);
  free(v);
}

/* GEOCL_PACK_CACHE: MiB of packed weights kept for reuse (0: none). */
static size_t pack_cache_floats(void) {
  const char *e = getenv("GEOCL_PACK_CACHE");
  char *end = NULL;
  unsigned long mib = e && *e ? strtoul(e, &end, 10) : PACK_CACHE_DEFAULT_MIB;
  if (end && (*end || *e == '-')) {
    geocl_warn("GEOCL_PACK_CACHE='%s' is not a number of MiB: using %d", e, PACK_CACHE_DEFAULT_MIB);
    mib = PACK_CACHE_DEFAULT_MIB;
  }
  return (size_t)mib << 18;
}

/* The kernels of parameter set p on this backend, built on first use. */
static geocl_status get_variant(ocl_backend *ob, const ocl_gemm_params *p, gemm_variant **out) {
  if (!ob->gemm) {
    if (!(ob->gemm = calloc(1, sizeof *ob->gemm))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for GEMM state");
    ob->gemm->ring_floats = pack_cache_floats();
  }
  struct ocl_gemm_state *s = ob->gemm;
  for (gemm_variant *v = s->variants; v; v = v->next)
    if (!memcmp(&v->params, p, sizeof *p)) {
      *out = v;
      return GEOCL_OK;
    }
  if (!ocl_gemm_params_valid(ob->dev, p)) {
    char text[160];
    ocl_gemm_choice_format(&(ocl_gemm_choice){OCL_GEMM_GEOCL, *p}, text, sizeof text);
    return geocl_set_error(GEOCL_E_INVALID, "GEMM parameters '%s' do not suit %s", text, ob->dev->info.name);
  }
  char options[128];
  snprintf(options, sizeof options, "-DTM=%d -DVW=%d -DNV=%d -DKU=%d -DPACK_P=%d", p->tm, p->vw, p->nv, p->ku, PACK_P);
  const ocl_program *prog;
  geocl_status st = ocl_program_get(ob->dev, "gemm", options, &prog);
  gemm_variant *v = st == GEOCL_OK ? calloc(1, sizeof *v) : NULL;
  if (st == GEOCL_OK && !v) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory for GEMM kernels");
  if (st != GEOCL_OK) return st;
  v->params = *p;
  st = ocl_kernel_slot_init(ob, prog, "gemm_pack_a", &v->pack_a);
  if (st == GEOCL_OK) st = ocl_kernel_slot_init(ob, prog, "gemm_pack_b", &v->pack_b);
  if (st == GEOCL_OK) st = ocl_kernel_slot_init(ob, prog, "gemm_tile", &v->tile);
  if (st == GEOCL_OK && (v->tile.max_wg < (size_t)(p->wg0 * p->wg1) || v->pack_a.max_wg < (size_t)p->pack_wg ||
                         v->pack_b.max_wg < (size_t)p->pack_wg))
    st = geocl_set_error(GEOCL_E_INVALID, "GEMM work-group %dx%d (packing %d) exceeds what %s allows the kernels",
                         p->wg0, p->wg1, p->pack_wg, ob->dev->info.name);
  if (st != GEOCL_OK) {
    free_variant(v);
    return st;
  }
  v->next = s->variants;
  s->variants = v;
  *out = v;
  return GEOCL_OK;
}

static geocl_status ensure_scratch(ocl_backend *ob, size_t bytes) {
  struct ocl_gemm_state *s = ob->gemm;
  if (s->scratch_bytes >= bytes) return GEOCL_OK;
  /* released buffers live on until the kernels queued on them finish */
  if (s->scratch) clReleaseMemObject(s->scratch);
  s->scratch = NULL;
  s->scratch_bytes = 0;
  cl_int err;
  s->scratch = clCreateBuffer(ob->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
  if (err != CL_SUCCESS) return ocl_fail(err, "clCreateBuffer (GEMM packing scratch)");
  s->scratch_bytes = bytes;
  return GEOCL_OK;
}

static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/* Copy `items` batch items of op(X) (rows × depth, padded to `padded` rows,
 * `width` of them per work-item) into panels at scratch offset dst_off. */
static geocl_status pack(ocl_backend *ob, ocl_kernel_slot *k, const ocl_gemm_params *p, int trans, cl_long rows,
                         cl_long depth, cl_long padded, cl_long width, geocl_bref x, size_t x_off, cl_long ld,
                         cl_long stride, cl_mem dst, size_t dst_off, cl_long panel, cl_long dst_stride, int64_t items) {
  cl_mem src = ocl_mem(x);
  cl_ulong soff = x_off, doff = dst_off;
  geocl_status st = ocl_args(k->kernel, 12, OCL_ARG(trans), OCL_ARG(rows), OCL_ARG(depth), OCL_ARG(padded),
                             OCL_ARG(src), OCL_ARG(soff), OCL_ARG(ld), OCL_ARG(stride), OCL_ARG(dst), OCL_ARG(doff),
                             OCL_ARG(panel), OCL_ARG(dst_stride));
  size_t global[3] = {(size_t)(padded / width), round_up((size_t)depth, PACK_P) / PACK_P, (size_t)items};
  size_t local[3] = {(size_t)p->pack_wg, 1, 1};
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 3, global, local);
}

/* The first B used twice: the ring is made, and what was noted forgotten.
 * False where the device has no room for it (reuse is an optimisation only). */
static bool make_ring(ocl_backend *ob) {
  struct ocl_gemm_state *s = ob->gemm;
  cl_int err;
  s->ring = clCreateBuffer(ob->dev->context, CL_MEM_READ_WRITE, s->ring_floats * sizeof(float), NULL, &err);
  if (err != CL_SUCCESS) {
    geocl_warn("GEMM: no room for %zu MiB of packed weights (GEOCL_PACK_CACHE): packing every time",
               s->ring_floats >> 18);
    s->ring = NULL;
    s->ring_floats = 0;
    return false;
  }
  memset(s->packed, 0, sizeof s->packed);
  s->next_slot = 0;
  s->ring_next = 0;
  return true;
}

/* The ring's panels of B for this product, if an earlier one left them
 * (*hit), or else room for them there (*hit false); NULL when B is not kept
 * (untagged, batched, larger than the ring, or no ring). */
static packed_b *packed_slot(ocl_backend *ob, const ocl_gemm_params *p, const geocl_gemm_args *g, size_t floats,
                             bool *hit) {
  struct ocl_gemm_state *s = ob->gemm;
  if (!g->b_tag || (g->batch > 1 && g->stride_b != 0) || floats > s->ring_floats) return NULL;
  packed_b key = {.tag = g->b_tag, .src = ocl_mem(g->b), .src_off = g->b.off, .n = g->n, .k = g->k, .ld = g->ldb,
                  .trans = g->trans_b, .tn = p->vw * p->nv, .panels = p->panels};
  for (int i = 0; i < PACK_CACHE_SLOTS; i++) {
    packed_b *e = &s->packed[i];
    if (e->tag == key.tag && e->src == key.src && e->src_off == key.src_off && e->n == key.n && e->k == key.k &&
        e->ld == key.ld && e->trans == key.trans && e->tn == key.tn && e->panels == key.panels) {
      if (s->ring) {
        *hit = true;
        return e;
      }
      if (!make_ring(ob)) return NULL;
      break;
    }
  }
  if (!s->ring) { /* note B; nothing is kept until a B comes back */
    s->packed[s->next_slot] = key;
    s->next_slot = (s->next_slot + 1) % PACK_CACHE_SLOTS;
    return NULL;
  }
  if (s->ring_next + floats > s->ring_floats) s->ring_next = 0;
  key.at = s->ring_next;
  key.floats = floats;
  s->ring_next += floats;
  for (int i = 0; i < PACK_CACHE_SLOTS; i++) { /* what the new panels overwrite */
    packed_b *e = &s->packed[i];
    if (e->tag && e->at < key.at + floats && key.at < e->at + e->floats) e->tag = 0;
  }
  packed_b *e = &s->packed[s->next_slot];
  s->next_slot = (s->next_slot + 1) % PACK_CACHE_SLOTS;
  *e = key;
  *hit = false;
  return e;
}

/* Whether an operand is packed: always (1), when transposed (2), or never
 * (0) — where the tile kernel can read it in place. */
static bool packs(int choice, int trans) { return choice == 1 || (choice == 2 && trans); }

void ocl_gemm_params_settle(ocl_gemm_params *p, int trans_a, int trans_b) {
  p->pack_a = packs(p->pack_a, trans_a);
  p->pack_b = packs(p->pack_b, trans_b) || trans_b;
}

geocl_status ocl_gemm_kernel(ocl_backend *ob, const ocl_gemm_params *p, const geocl_gemm_args *g) {
  gemm_variant *v = NULL;
  geocl_status st = get_variant(ob, p, &v);
  if (st != GEOCL_OK) return st;
  cl_long m = g->m, n = g->n, k = g->k, tn = p->vw * p->nv;
  /* in place, A must be one tile tall (the last tile reads the rows above
   * it) and B not transposed and whole tiles wide (loads stay in its rows) */
  bool pack_a = packs(p->pack_a, g->trans_a) || m < p->tm;
  bool pack_b = packs(p->pack_b, g->trans_b) || g->trans_b || n % tn;
  bool shared_a = g->stride_a == 0, shared_b = g->stride_b == 0;
  /* padded extents and panel widths of the packed operands */
  cl_long mp = (cl_long)round_up((size_t)m, (size_t)p->tm), np = (cl_long)round_up((size_t)n, (size_t)tn);
  cl_long ph = p->panels ? p->tm : mp, pw = p->panels ? tn : np;
  size_t a_item = pack_a ? round_up((size_t)(mp * k), 16) : 0, b_item = pack_b ? round_up((size_t)(np * k), 16) : 0;
  size_t per_item = (shared_a ? 0 : a_item) + (shared_b ? 0 : b_item);
  size_t fixed = (shared_a ? a_item : 0) + (shared_b ? b_item : 0);
  int64_t chunk = g->batch;
  if (per_item && fixed + per_item * (size_t)chunk > SCRATCH_CAP / sizeof(float)) {
    size_t fit = fixed < SCRATCH_CAP / sizeof(float) ? (SCRATCH_CAP / sizeof(float) - fixed) / per_item : 0;
    chunk = fit ? (int64_t)fit : 1;
  }
  bool kept = false;
  packed_b *ring_b = pack_b ? packed_slot(ob, p, g, b_item, &kept) : NULL;
  size_t ap_off = 0, bp_off = a_item * (size_t)(shared_a ? 1 : chunk);
  st = ensure_scratch(ob, (bp_off + (ring_b ? 0 : b_item * (size_t)(shared_b ? 1 : chunk))) * sizeof(float));
  cl_mem b_panels = ring_b ? ob->gemm->ring : ob->gemm->scratch;
  if (ring_b) bp_off = ring_b->at;
  for (int64_t b0 = 0; st == GEOCL_OK && b0 < g->batch; b0 += chunk) {
    int64_t items = g->batch - b0 < chunk ? g->batch - b0 : chunk;
    size_t a_at = g->a.off + (size_t)(b0 * g->stride_a), b_at = g->b.off + (size_t)(b0 * g->stride_b);
    /* a shared operand is packed once */
    if (pack_a && (!shared_a || b0 == 0))
      st = pack(ob, &v->pack_a, p, g->trans_a, m, k, mp, p->tm, g->a, a_at, g->lda, g->stride_a, ob->gemm->scratch,
                ap_off, ph, (cl_long)a_item, shared_a ? 1 : items);
    if (st == GEOCL_OK && pack_b && !kept && (!shared_b || b0 == 0))
      st = pack(ob, &v->pack_b, p, g->trans_b, n, k, np, tn, g->b, b_at, g->ldb, g->stride_b, b_panels, bp_off, pw,
                (cl_long)b_item, shared_b ? 1 : items);
    if (st != GEOCL_OK) break;
    /* the operands as the tile kernel reads them (see cl/gemm.cl): packed
     * panels, or A and B themselves as one panel of rows */
    cl_mem a = pack_a ? ob->gemm->scratch : ocl_mem(g->a), b = pack_b ? b_panels : ocl_mem(g->b);
    cl_mem c = ocl_mem(g->c);
    cl_ulong aoff = pack_a ? ap_off : a_at, boff = pack_b ? bp_off : b_at;
    cl_ulong coff = g->c.off + (size_t)(b0 * g->stride_c);
    cl_long a_stride = pack_a ? (shared_a ? 0 : (cl_long)a_item) : g->stride_a;
    cl_long a_rows = pack_a ? mp : m, a_ph = pack_a ? ph : mp, a_pstride = pack_a ? ph * k : 0;
    cl_long a_rs = pack_a || g->trans_a ? 1 : g->lda, a_ps = pack_a ? ph : g->trans_a ? g->lda : 1;
    cl_long b_stride = pack_b ? (shared_b ? 0 : (cl_long)b_item) : g->stride_b, b_pw = pack_b ? pw : g->ldb;
    cl_long ldc = g->ldc, sc = g->stride_c;
    cl_float alpha = g->alpha, beta = g->beta;
    /* without a bias, C stands in for the (unread) bias buffer */
    cl_int has_bias = g->bias.mem != NULL;
    cl_mem bias = has_bias ? ocl_mem(g->bias) : c;
    cl_ulong bias_off = has_bias ? g->bias.off : 0;
    st = ocl_args(v->tile.kernel, 24, OCL_ARG(m), OCL_ARG(n), OCL_ARG(k), OCL_ARG(alpha), OCL_ARG(beta), OCL_ARG(a),
                  OCL_ARG(aoff), OCL_ARG(a_stride), OCL_ARG(a_rows), OCL_ARG(a_ph), OCL_ARG(a_pstride), OCL_ARG(a_rs),
                  OCL_ARG(a_ps), OCL_ARG(b), OCL_ARG(boff), OCL_ARG(b_pw), OCL_ARG(b_stride), OCL_ARG(bias),
                  OCL_ARG(bias_off), OCL_ARG(has_bias), OCL_ARG(c), OCL_ARG(coff), OCL_ARG(ldc), OCL_ARG(sc));
    size_t global[3] = {(size_t)(mp / p->tm), (size_t)(np / tn), (size_t)items};
    size_t local[3] = {(size_t)p->wg0, (size_t)p->wg1, 1};
    if (st == GEOCL_OK) st = ocl_launch(ob, &v->tile, 3, global, local);
  }
  return st;
}

size_t ocl_gemm_held_bytes(const ocl_backend *ob) {
  const struct ocl_gemm_state *s = ob->gemm;
  return s ? s->scratch_bytes + (s->ring ? s->ring_floats * sizeof(float) : 0) : 0;
}

void ocl_gemm_release(ocl_backend *ob) {
  struct ocl_gemm_state *s = ob->gemm;
  if (!s) return;
  while (s->variants) {
    gemm_variant *next = s->variants->next;
    free_variant(s->variants);
    s->variants = next;
  }
  if (s->scratch) clReleaseMemObject(s->scratch);
  if (s->ring) clReleaseMemObject(s->ring);
  free(s);
  ob->gemm = NULL;
}
