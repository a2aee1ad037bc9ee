# SPDX-License-Identifier: MIT
# Data: readers (KITTI, pair listings), augmentation, named batches, data
# sources, sample pipelines and the loader (geocl/data.h).
src_libgeocl_la_SOURCES += \
	src/data/augment.c \
	src/data/batch.c \
	src/data/densemap.c \
	src/data/dense_augment.c \
	src/data/dense_augment.h \
	src/data/image_ops.c \
	src/data/kitti.c \
	src/data/kitti_text.c \
	src/data/loader.c \
	src/data/pairs.c \
	src/data/pipeline.c \
	src/data/pipeline_dense.c \
	src/data/pipeline_lidar.c \
	src/data/pipeline_pair.c \
	src/data/pipelines.h \
	src/data/points_augment.c \
	src/data/registry.c \
	src/data/registry.h \
	src/data/source.c \
	src/data/source_files.c \
	src/data/source_kitti_bench.c \
	src/data/source_kitti_depth.c \
	src/data/source_kitti_object.c \
	src/data/source_kitti_odometry.c \
	src/data/source_pairs.c \
	src/data/source_synthetic.c \
	src/data/sources.h
geoclinclude_HEADERS += src/geocl/batch.h src/geocl/data.h src/geocl/densemap.h
