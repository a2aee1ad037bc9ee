# SPDX-License-Identifier: MIT
# Parameters in one flat buffer, optimisers and their saved state, learning-rate schedules.
src_libgeocl_la_SOURCES += \
	src/optim/optim.c \
	src/optim/optim_internal.h \
	src/optim/optim_state.c \
	src/optim/params.c \
	src/optim/pos_embed_resample.c \
	src/optim/schedule.c
