/* SPDX-License-Identifier: MIT */
/* Fuzz target: the OpenCL backend's tuning cache (GEMM choices, CLBlast's
 * Xgemm parameters, attention tiles), parsed for a device described by
 * plausible limits.  Nothing is applied to CLBlast and no OpenCL call is
 * made, so no device is needed. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ocl.h"
#include "tune_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  static ocl_device dev = {.info = {.name = "fuzz device", .driver = "1.0", .max_work_group = 256,
                                    .local_mem_bytes = 65536, .max_alloc_bytes = 1 << 30}};
  char *text = malloc(size + 1);
  if (!text) abort();
  memcpy(text, data, size);
  text[size] = '\0';
  ocl_tune_cache_parse(&dev, "fuzz", text);
  ocl_tune_cache_clear(&dev);
  free(text);
  return 0;
}
