# SPDX-License-Identifier: MIT
# The layers library: building blocks of tasks (geocl/layers.h): generic
# linear/LayerNorm layers and initialisers, ViT blocks and position tables;
# PointNet++ set abstraction's sampling and grouping (geocl/pointnet2.h).
src_libgeocl_la_SOURCES += \
	src/layers/dense_loss.c \
	src/layers/dpt.c \
	src/layers/layers.c \
	src/layers/pointnet2.c \
	src/layers/posembed.c \
	src/layers/vit.c
geoclinclude_HEADERS += src/geocl/dense_loss.h src/geocl/dpt.h src/geocl/layers.h src/geocl/vit.h src/geocl/pointnet2.h

# convolutional layers and ResNet backbones
src_libgeocl_la_SOURCES += src/layers/conv.c src/layers/resnet.c
geoclinclude_HEADERS += src/geocl/conv.h src/geocl/resnet.h
