# SPDX-License-Identifier: MIT
# Plugins, their typed configuration and recipes, models built from them, and
# heads on backbones.
src_libgeocl_la_SOURCES += \
	src/model/backbone.c \
	src/model/config.c \
	src/model/dense_metrics.c \
	src/model/model.c \
	src/model/model_internal.h \
	src/model/outputs.c \
	src/model/plugins.c \
	src/model/recipe.c \
	src/model/tiled.c
geoclinclude_HEADERS += src/geocl/backbone.h src/geocl/dense_metrics.h src/geocl/tiled.h
