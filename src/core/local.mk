# SPDX-License-Identifier: MIT
# The runtime: context, backends registry, module loader, memory pool, tensors and scopes, autograd tape, RNG, errors, log, timing.
src_libgeocl_la_SOURCES += \
	src/core/autograd.c \
	src/core/checkpoint.c \
	src/core/backends.c \
	src/core/context.c \
	src/core/error.c \
	src/core/internal.h \
	src/core/log.c \
	src/core/module.c \
	src/core/module.h \
	src/core/pool.c \
	src/core/rng.c \
	src/core/tensor.c \
	src/core/timing.c
