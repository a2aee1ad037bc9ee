/* SPDX-License-Identifier: MIT */
/* Internals of the OpenCL GEMM: geocl's own kernel (gemm_kernel.c), the
 * per-device table of tuned choices (gemm_table.c) and the tuner
 * (gemm_tune.c), CLBlast's device-wide Xgemm parameters (gemm_clblast.c) and
 * their tuning stage (gemm_clblast_tune.c), and the dispatch between that
 * kernel and CLBlast (gemm.c). */
#ifndef GEOCL_OCL_GEMM_H
#define GEOCL_OCL_GEMM_H

#include <stddef.h>

#include "ocl.h"

/* Parameters of cl/gemm.cl and its launches. */
typedef struct ocl_gemm_params {
  int tm, vw, nv;     /* micro-tile of a work-item: tm rows × nv vectors of vw floats */
  int ku;             /* steps of k per unrolled loop iteration */
  int wg0, wg1;       /* work-group of the tile kernel, in micro-tiles (rows, columns) */
  int panels;         /* 1: operands packed in panels one micro-tile wide (CPUs); 0: padded rows (GPUs) */
  int pack_a, pack_b; /* pack the operand always (1), when transposed (2), or never (0), where the tile
                       * kernel can read it in place (A one tile tall, B not transposed and whole tiles wide) */
  int pack_wg;        /* work-group size of the packing kernels */
} ocl_gemm_params;

typedef enum ocl_gemm_impl { OCL_GEMM_GEOCL, OCL_GEMM_CLBLAST } ocl_gemm_impl;

/* Which GEMM runs a shape: geocl's kernel with its parameters, or CLBlast. */
typedef struct ocl_gemm_choice {
  ocl_gemm_impl impl;
  ocl_gemm_params params;
} ocl_gemm_choice;

/* gemm_kernel.c */
/* The parameters geocl's kernel uses on this device until tuned. */
void ocl_gemm_default_params(const ocl_device *dev, ocl_gemm_params *p);
/* Whether the kernel can run with p on this device. */
bool ocl_gemm_params_valid(const ocl_device *dev, const ocl_gemm_params *p);
/* Variations of base worth timing on this device, into out (returns how
 * many).  Stage 0: micro-tile shapes; stage 1: unrolling, work-groups,
 * packing and layout.  quick: a few tile shapes only. */
#define OCL_GEMM_MAX_VARIATIONS 32
int ocl_gemm_variations(const ocl_device *dev, const ocl_gemm_params *base, int stage, bool quick,
                        ocl_gemm_params *out);
/* Set the packing choices of p to what they do for these transposes (0 or
 * 1), so parameter sets that behave alike compare equal. */
void ocl_gemm_params_settle(ocl_gemm_params *p, int trans_a, int trans_b);
/* Run g (m, n, k, batch > 0) with geocl's kernel. */
geocl_status ocl_gemm_kernel(ocl_backend *ob, const ocl_gemm_params *p, const geocl_gemm_args *g);
/* "geocl tm=6 vw=16 ..." or "clblast", and back (false when text is not one). */
void ocl_gemm_choice_format(const ocl_gemm_choice *c, char *out, size_t size);
bool ocl_gemm_choice_parse(const char *text, ocl_gemm_choice *c);

/* gemm.c */
/* Run g (m, n, k, batch > 0) as choice c says. */
geocl_status ocl_gemm_run(ocl_backend *ob, const ocl_gemm_choice *c, const geocl_gemm_args *g);
/* What runs g on this device untuned: as its defaults say (defaults.c),
 * geocl's kernel on CPUs, CLBlast (with its own tuning database) elsewhere. */
void ocl_gemm_untuned(const ocl_device *dev, ocl_gemm_choice *c);

/* gemm_clblast.c: device-wide parameters of CLBlast's "Xgemm" kernel */
enum {
  X_GEMMK, X_KREG, X_KWG, X_KWI, X_MDIMA, X_MDIMC, X_MWG, X_NDIMB,
  X_NDIMC, X_NWG, X_SA, X_SB, X_STRM, X_STRN, X_VWM, X_VWN, OCL_XGEMM_N
};
typedef struct ocl_xgemm_params {
  size_t v[OCL_XGEMM_N]; /* indexed by X_…, named as ocl_xgemm_names says */
} ocl_xgemm_params;
extern const char *const ocl_xgemm_names[OCL_XGEMM_N];
/* Whether CLBlast can run p on this device (false: why says what breaks). */
bool ocl_xgemm_valid(const ocl_device *dev, const ocl_xgemm_params *p, char *why, size_t size);
/* Valid parameter sets worth timing on this device, into out (returns how
 * many, at most max; quick: a few). */
#define OCL_XGEMM_MAX_CANDIDATES 16
int ocl_xgemm_candidates(const ocl_device *dev, bool quick, ocl_xgemm_params *out, int max);
/* "GEMMK=0 KREG=1 …", all OCL_XGEMM_N in ocl_xgemm_names order, and back
 * (any order; false with why set when a name is unknown, repeated or missing). */
void ocl_xgemm_format(const ocl_xgemm_params *p, char *out, size_t size);
bool ocl_xgemm_parse(const char *text, ocl_xgemm_params *p, char *why, size_t size);
/* Make CLBlast use p on this device from its next GEMM on (it recompiles). */
geocl_status ocl_xgemm_apply(ocl_device *dev, const ocl_xgemm_params *p);

/* gemm_table.c: the device's tuned choices (lookups lock dev->lock; the
 * others expect it held) */
/* The tuned choice for g's shape on this device (false: none). */
bool ocl_gemm_tuned(ocl_device *dev, const geocl_gemm_args *g, ocl_gemm_choice *out);
/* The CLBlast Xgemm parameters applied on this device from the cache or the
 * tuner (false: CLBlast's database values, or the tuner's last candidate). */
bool ocl_gemm_xgemm_current(ocl_device *dev, ocl_xgemm_params *out);
/* Keep c as the choice for shape s. */
geocl_status ocl_gemm_table_put(ocl_device *dev, const geocl_gemm_shape *s, const ocl_gemm_choice *c);
/* Keep p (already applied) as the device's Xgemm parameters. */
void ocl_gemm_table_set_xgemm(ocl_device *dev, const ocl_xgemm_params *p);
/* For tune_cache.c: one shape line (true: kept; else skipped, said at debug
 * level), the text after the clblast-xgemm key (kept to be applied, or
 * skipped with a warning), applying it, and the table's lines (the xgemm
 * line after xgemm_key, then a line per shape) into buf (snprintf's rules:
 * the length they need). */
bool ocl_gemm_table_read(ocl_device *dev, const char *path, const char *line);
void ocl_gemm_table_read_xgemm(ocl_device *dev, const char *path, const char *text);
void ocl_gemm_table_apply_xgemm(ocl_device *dev, const char *path);
size_t ocl_gemm_table_format(const ocl_device *dev, const char *xgemm_key, char *buf, size_t cap);
void ocl_gemm_table_free(ocl_device *dev);

/* gemm_tune.c: for the tuning stages, contiguous random operands of shape s
 * (freed with ocl_gemm_tune_operands_free). */
geocl_status ocl_gemm_tune_operands(ocl_backend *ob, const geocl_gemm_shape *s, geocl_gemm_args *g);
void ocl_gemm_tune_operands_free(ocl_backend *ob, geocl_gemm_args *g);

#endif
