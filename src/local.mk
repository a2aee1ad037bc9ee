# SPDX-License-Identifier: MIT
# libgeocl: the core library, with the reference backend compiled in.  Its
# sources live in one folder per layer (src/core, src/ops, ...), each adding
# itself in its own local.mk; the public headers are in src/geocl.
lib_LTLIBRARIES += src/libgeocl.la
src_libgeocl_la_SOURCES =

src_libgeocl_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DGEOCL_BACKENDSDIR=\"$(backendsdir)\" -DGEOCL_PLUGINSDIR=\"$(pluginsdir)\" \
	$(PNG_CFLAGS) $(JSONC_CFLAGS) $(JPEG_CFLAGS) $(ZLIB_CFLAGS)
src_libgeocl_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(GEOCL_LT_VERSION) -no-undefined \
	-export-symbols-regex '^geocl_'
src_libgeocl_la_LIBADD = $(PNG_LIBS) $(JSONC_LIBS) $(JPEG_LIBS) $(ZLIB_LIBS) $(PTHREAD_LIBS) -lm

geoclincludedir = $(includedir)/geocl
geoclinclude_HEADERS = \
	src/geocl/assignment.h \
	src/geocl/autograd.h \
	src/geocl/backend-api.h \
	src/geocl/backend-kernels.h \
	src/geocl/config.h \
	src/geocl/plugin.h \
	src/geocl/model.h \
	src/geocl/train.h \
	src/geocl/context.h \
	src/geocl/geocl.h \
	src/geocl/log.h \
	src/geocl/op-api.h \
	src/geocl/ops.h \
	src/geocl/rng.h \
	src/geocl/status.h \
	src/geocl/tensor.h \
	src/geocl/safetensors.h \
	src/geocl/params.h \
	src/geocl/optim.h \
	src/geocl/schedule.h \
	src/geocl/fileio.h \
	src/geocl/timing.h
nodist_geoclinclude_HEADERS = src/geocl/version.h
# data
geoclinclude_HEADERS += src/geocl/image.h src/geocl/kitti.h src/geocl/pairs.h src/geocl/synth.h \
	src/geocl/augment.h
# the op checks
geoclinclude_HEADERS += src/geocl/op-check.h
# custom ops
geoclinclude_HEADERS += src/geocl/custom-op.h
