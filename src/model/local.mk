# SPDX-License-Identifier: MIT
# Plugins, their typed configuration, and models built from them.
src_libgeocl_la_SOURCES += \
	src/model/config.c \
	src/model/model.c \
	src/model/plugins.c
