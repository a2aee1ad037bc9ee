# SPDX-License-Identifier: MIT
# Files: safetensors, checkpoints' shared checks, PNG/JPEG images and pictures (with a
# 5x7 font for their labels), atomic writes.
src_libgeocl_la_SOURCES += \
	src/io/checkpoint.c \
	src/io/checkpoint.h \
	src/io/fileio.c \
	src/io/font.c \
	src/io/image.c \
	src/io/image_codec.h \
	src/io/image_jpeg.c \
	src/io/image_png.c \
	src/io/picture.c \
	src/io/safetensors.c \
	src/io/safetensors_write.c \
	src/io/text_lines.h \
	src/io/visualize.c
geoclinclude_HEADERS += src/geocl/visualize.h src/geocl/picture.h
