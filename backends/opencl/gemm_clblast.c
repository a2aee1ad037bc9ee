/* SPDX-License-Identifier: MIT */
/* Device-wide parameters of CLBlast's indirect GEMM kernel ("Xgemm" in
 * CLBlast 1.5.3), set with CLBlastOverrideParameters: their names, the rules
 * a valid set obeys, candidates for the tuner, and their text form.
 *
 * Xgemm runs only GEMMs with m·n·k ≥ XGEMM_MIN_INDIRECT_SIZE³ (a database
 * value of the "GemmRoutine" kernel, 576 to 1024 on CPUs); smaller ones run
 * the direct kernel ("XgemmDirect", parameters of its own), which these
 * parameters do not change.  Neither is tuned here.
 *
 * The candidates keep CLBlast's GEMMK=0 kernel (KREG=1, no strided access,
 * KWI=2) with MDIMA=MDIMC and NDIMB=NDIMC, and vary the work-group tile
 * (MWG×NWG), its threads (MDIMC×NDIMC), the k step KWG, the vector widths
 * VWM/VWN and local-memory caching of A and B (SA/SB). */
#include <clblast_c.h>
#include <stdio.h>
#include <string.h>

#include "gemm.h"

const char *const ocl_xgemm_names[OCL_XGEMM_N] = {"GEMMK", "KREG", "KWG", "KWI",  "MDIMA", "MDIMC", "MWG", "NDIMB",
                                                 "NDIMC", "NWG",  "SA",  "SB",   "STRM",  "STRN",  "VWM", "VWN"};

static bool multiple(size_t x, size_t of) { return of > 0 && x % of == 0; }

static bool is_pow2(size_t x) { return x > 0 && !(x & (x - 1)); }

bool ocl_xgemm_valid(const ocl_device *dev, const ocl_xgemm_params *p, char *why, size_t size) {
  const size_t *v = p->v;
  const char *bad = NULL;
  if (v[X_GEMMK] != 0 || v[X_KREG] != 1)
    bad = "only GEMMK=0 with KREG=1 is supported";
  else if (v[X_SA] > 1 || v[X_SB] > 1 || v[X_STRM] > 1 || v[X_STRN] > 1)
    bad = "SA, SB, STRM and STRN are 0 or 1";
  else if (!is_pow2(v[X_VWM]) || v[X_VWM] > 8 || !is_pow2(v[X_VWN]) || v[X_VWN] > 8)
    bad = "VWM and VWN are 1, 2, 4 or 8";
  else if (!v[X_MDIMA] || !v[X_MDIMC] || !v[X_NDIMB] || !v[X_NDIMC] || !multiple(v[X_KWG], v[X_KWI]))
    bad = "KWG must be a multiple of KWI, thread counts at least 1";
  else if (!multiple(v[X_MWG], v[X_MDIMC] * v[X_VWM]) || !multiple(v[X_MWG], v[X_MDIMA] * v[X_VWM]))
    bad = "MWG must be a multiple of MDIMC·VWM and MDIMA·VWM";
  else if (!multiple(v[X_NWG], v[X_NDIMC] * v[X_VWN]) || !multiple(v[X_NWG], v[X_NDIMB] * v[X_VWN]))
    bad = "NWG must be a multiple of NDIMC·VWN and NDIMB·VWN";
  else if (!multiple(v[X_KWG], v[X_MDIMC] * v[X_NDIMC] / v[X_MDIMA]) ||
           !multiple(v[X_KWG], v[X_MDIMC] * v[X_NDIMC] / v[X_NDIMB]))
    bad = "KWG must be a multiple of MDIMC·NDIMC/MDIMA and MDIMC·NDIMC/NDIMB";
  else if (v[X_MDIMC] * v[X_NDIMC] > (dev->info.max_work_group ? dev->info.max_work_group : 1))
    bad = "the work-group MDIMC·NDIMC exceeds the device's";
  else if (sizeof(float) * v[X_KWG] * (v[X_SA] * v[X_MWG] + v[X_SB] * v[X_NWG]) > dev->info.local_mem_bytes)
    bad = "the local memory of SA/SB exceeds the device's";
  if (bad && why) snprintf(why, size, "%s", bad);
  return !bad;
}

int ocl_xgemm_candidates(const ocl_device *dev, bool quick, ocl_xgemm_params *out, int max) {
  static const size_t tiles[][4] = {/* MWG, NWG, MDIMC, NDIMC */
                                    {64, 64, 8, 8},   {32, 32, 8, 8},  {64, 64, 16, 16}, {128, 128, 16, 16},
                                    {128, 64, 16, 8}, {64, 128, 8, 16}, {32, 64, 8, 8}};
  static const size_t vws[][2] = {{4, 4}, {2, 2}, {8, 8}, {1, 1}, {4, 2}, {2, 4}};
  static const size_t kwgs[] = {32, 16};
  enum { NT = 7, NV = 6, NK = 2, NS = 2, TOTAL = NT * NV * NK * NS, STRIDE = 97 };
  int want = quick ? 3 : OCL_XGEMM_MAX_CANDIDATES, n = 0;
  if (want > max) want = max;
  /* the product walked with a stride coprime to its size, so that the first
   * candidates (all that --quick takes) differ in every parameter */
  for (int i = 0, j = 0; i < TOTAL && n < want; i++, j = (j + STRIDE) % TOTAL) {
    const size_t *t = tiles[j % NT], *vw = vws[j / NT % NV];
    size_t kwg = kwgs[j / (NT * NV) % NK], s = j / (NT * NV * NK) == 0 ? 1 : 0;
    ocl_xgemm_params p = {{[X_GEMMK] = 0, [X_KREG] = 1, [X_KWG] = kwg, [X_KWI] = 2, [X_MDIMA] = t[2], [X_MDIMC] = t[2],
                           [X_MWG] = t[0], [X_NDIMB] = t[3], [X_NDIMC] = t[3], [X_NWG] = t[1], [X_SA] = s, [X_SB] = s,
                           [X_STRM] = 0, [X_STRN] = 0, [X_VWM] = vw[0], [X_VWN] = vw[1]}};
    if (ocl_xgemm_valid(dev, &p, NULL, 0)) out[n++] = p;
  }
  return n;
}

void ocl_xgemm_format(const ocl_xgemm_params *p, char *out, size_t size) {
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < OCL_XGEMM_N && len < size; i++)
    len += (size_t)snprintf(out + len, size - len, "%s%s=%zu", i ? " " : "", ocl_xgemm_names[i], p->v[i]);
}

bool ocl_xgemm_parse(const char *text, ocl_xgemm_params *p, char *why, size_t size) {
  bool seen[OCL_XGEMM_N] = {false};
  char name[16];
  int used;
  size_t value;
  while (sscanf(text, " %15[A-Z_]=%zu%n", name, &value, &used) == 2) {
    int i = 0;
    while (i < OCL_XGEMM_N && strcmp(ocl_xgemm_names[i], name)) i++;
    if (i == OCL_XGEMM_N || seen[i]) {
      snprintf(why, size, "%s parameter %s", i == OCL_XGEMM_N ? "unknown" : "repeated", name);
      return false;
    }
    seen[i] = true;
    p->v[i] = value;
    text += used;
  }
  if (text[strspn(text, " \t\r")] != '\0') {
    snprintf(why, size, "expected NAME=value, got '%s'", text + strspn(text, " \t\r"));
    return false;
  }
  for (int i = 0; i < OCL_XGEMM_N; i++)
    if (!seen[i]) {
      snprintf(why, size, "parameter %s missing", ocl_xgemm_names[i]);
      return false;
    }
  return true;
}

geocl_status ocl_xgemm_apply(ocl_device *dev, const ocl_xgemm_params *p) {
  char why[128];
  if (!ocl_xgemm_valid(dev, p, why, sizeof why))
    return geocl_set_error(GEOCL_E_INVALID, "CLBlast Xgemm parameters do not suit %s: %s", dev->info.name, why);
  const char *names[OCL_XGEMM_N];
  memcpy(names, ocl_xgemm_names, sizeof names);
  CLBlastStatusCode s = CLBlastOverrideParameters(dev->id, "Xgemm", CLBlastPrecisionSingle, OCL_XGEMM_N, names, p->v);
  if (s != CLBlastSuccess)
    return geocl_set_error(GEOCL_E_DEVICE, "CLBlastOverrideParameters(Xgemm) on %s: status %d", dev->info.name, (int)s);
  return GEOCL_OK;
}
