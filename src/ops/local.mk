# SPDX-License-Identifier: MIT
# The op set: each op runs on the context's backend and records itself on the autograd tape.
src_libgeocl_la_SOURCES += \
	src/ops/ops_attention.c \
	src/ops/ops_common.c \
	src/ops/ops_elementwise.c \
	src/ops/ops_fft.c \
	src/ops/ops_internal.h \
	src/ops/ops_linear.c \
	src/ops/ops_loss.c \
	src/ops/ops_norm.c \
	src/ops/ops_reduce.c \
	src/ops/ops_shape.c \
	src/ops/ops_softmax.c \
	src/ops/ops_tokens.c

# convolution, pooling, batch norm, resampling
src_libgeocl_la_SOURCES += src/ops/ops_conv.c src/ops/ops_pool.c src/ops/ops_batchnorm.c src/ops/ops_resample.c
