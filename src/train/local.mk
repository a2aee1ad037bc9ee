# SPDX-License-Identifier: MIT
# The training driver behind geocl pretrain.
src_libgeocl_la_SOURCES += \
	src/train/train.c \
	src/train/train_config.c \
	src/train/train_dist.c \
	src/train/train_files.c \
	src/train/train_internal.h \
	src/train/train_recipe.c
