# SPDX-License-Identifier: MIT
# Fuzz targets (libFuzzer), built by `make` after
# `CC=clang ./configure --enable-fuzzing` and run by tests/fuzz/run; see
# docs/fuzzing.md.  Adding one: a tests/fuzz/fuzz_NAME.c defining
# LLVMFuzzerTestOneInput, its lines below, a seed corpus in
# tests/fuzz/corpus/NAME/ and a dictionary tests/fuzz/NAME.dict.
FUZZ_COMMON = tests/fuzz/fuzz_util.c tests/fuzz/fuzz_util.h
FUZZ_TARGETS =

FUZZ_TARGETS += tests/fuzz/fuzz_safetensors
tests_fuzz_fuzz_safetensors_SOURCES = tests/fuzz/fuzz_safetensors.c $(FUZZ_COMMON)
tests_fuzz_fuzz_safetensors_CPPFLAGS = $(AM_CPPFLAGS) -DGEOCL_FUZZ_PLUGIN_DIR=\"$(abs_top_builddir)/plugins/.libs\"
tests_fuzz_fuzz_safetensors_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_safetensors_LDADD = src/libgeocl.la

FUZZ_TARGETS += tests/fuzz/fuzz_image
tests_fuzz_fuzz_image_SOURCES = tests/fuzz/fuzz_image.c $(FUZZ_COMMON)
tests_fuzz_fuzz_image_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_image_LDADD = src/libgeocl.la

FUZZ_TARGETS += tests/fuzz/fuzz_kitti
tests_fuzz_fuzz_kitti_SOURCES = tests/fuzz/fuzz_kitti.c $(FUZZ_COMMON)
tests_fuzz_fuzz_kitti_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_kitti_LDADD = src/libgeocl.la

FUZZ_TARGETS += tests/fuzz/fuzz_pairs
tests_fuzz_fuzz_pairs_SOURCES = tests/fuzz/fuzz_pairs.c $(FUZZ_COMMON)
tests_fuzz_fuzz_pairs_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_pairs_LDADD = src/libgeocl.la

# config.json, metrics.jsonl and the checkpoint position: the trainer's own
# (unexported) readers, compiled in
FUZZ_TARGETS += tests/fuzz/fuzz_run_dir
tests_fuzz_fuzz_run_dir_SOURCES = tests/fuzz/fuzz_run_dir.c src/train/train_config.c src/train/train_files.c \
	src/train/train_recipe.c $(FUZZ_COMMON)
tests_fuzz_fuzz_run_dir_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_run_dir_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_run_dir_LDADD = src/libgeocl.la $(JSONC_LIBS)

# the OpenCL backend's tuning cache: the backend's sources compiled in
if GEOCL_OPENCL
FUZZ_TARGETS += tests/fuzz/fuzz_tune_cache
tests_fuzz_fuzz_tune_cache_SOURCES = tests/fuzz/fuzz_tune_cache.c $(backends_opencl_opencl_la_SOURCES) $(FUZZ_COMMON)
nodist_tests_fuzz_fuzz_tune_cache_SOURCES = backends/opencl/cl_sources.c
tests_fuzz_fuzz_tune_cache_CPPFLAGS = $(backends_opencl_opencl_la_CPPFLAGS)
tests_fuzz_fuzz_tune_cache_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_tune_cache_LDADD = src/libgeocl.la $(OPENCL_LIBS) $(CLBLAST_LIBS) $(CLFFT_LIBS) $(PTHREAD_LIBS)
endif

if GEOCL_FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
endif
EXTRA_DIST += tests/fuzz/run tests/fuzz/make-corpus tests/fuzz/corpus tests/fuzz/safetensors.dict tests/fuzz/image.dict \
	tests/fuzz/kitti.dict tests/fuzz/pairs.dict tests/fuzz/run_dir.dict tests/fuzz/tune_cache.dict
