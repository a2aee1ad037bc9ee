# SPDX-License-Identifier: MIT
# The procedural scene generator behind geocl synth.
src_libgeocl_la_SOURCES += \
	src/data/synth/synth_dataset.c \
	src/data/synth/synth_geometry.c \
	src/data/synth/synth_internal.h \
	src/data/synth/synth_pair.c \
	src/data/synth/synth_raycast.c \
	src/data/synth/synth_render.c \
	src/data/synth/synth_room.c \
	src/data/synth/synth_scene.c \
	src/data/synth/synth_shade.c \
	src/data/synth/synth_street.c
