# SPDX-License-Identifier: MIT
# Data-parallel training over MPI (geocl/dist.h); one process without it.
src_libgeocl_la_SOURCES += src/dist/dist.c
geoclinclude_HEADERS += src/geocl/dist.h
if GEOCL_MPI
src_libgeocl_la_CPPFLAGS += $(MPI_CFLAGS)
src_libgeocl_la_LIBADD += $(MPI_LIBS)
endif
