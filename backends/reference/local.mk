# SPDX-License-Identifier: MIT
# The reference backend is compiled into libgeocl.
src_libgeocl_la_SOURCES += \
	backends/reference/ref.h \
	backends/reference/reference.c \
	backends/reference/ref_data.c \
	backends/reference/ref_gemm.c

# elementwise
src_libgeocl_la_SOURCES += backends/reference/ref_elementwise.c

# reductions
src_libgeocl_la_SOURCES += backends/reference/ref_reduce.c

# softmax
src_libgeocl_la_SOURCES += backends/reference/ref_softmax.c

# norm
src_libgeocl_la_SOURCES += backends/reference/ref_norm.c

# attention
src_libgeocl_la_SOURCES += backends/reference/ref_attention.c

# tokens
src_libgeocl_la_SOURCES += backends/reference/ref_tokens.c

# losses
src_libgeocl_la_SOURCES += backends/reference/ref_loss.c

# fft
src_libgeocl_la_SOURCES += backends/reference/ref_fft.c

# optimisers
src_libgeocl_la_SOURCES += backends/reference/ref_optim.c

# convolution and pooling
src_libgeocl_la_SOURCES += backends/reference/ref_conv.c

# batch norm
src_libgeocl_la_SOURCES += backends/reference/ref_batchnorm.c

# resampling
src_libgeocl_la_SOURCES += backends/reference/ref_resample.c

# point clouds
src_libgeocl_la_SOURCES += backends/reference/ref_points.c
