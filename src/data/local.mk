# SPDX-License-Identifier: MIT
# Data readers (KITTI, pair listings), augmentation and the pair loader.
src_libgeocl_la_SOURCES += \
	src/data/augment.c \
	src/data/keyed_rng.h \
	src/data/kitti.c \
	src/data/kitti_text.c \
	src/data/pair_loader.c \
	src/data/pairs.c \
	src/data/points_augment.c
