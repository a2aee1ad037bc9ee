# SPDX-License-Identifier: MIT
# The op set: each op runs on the context's backend and records itself on the autograd tape
# (assignment.c: linear assignment, on the host).
src_libgeocl_la_SOURCES += \
	src/ops/assignment.c \
	src/ops/ops_attention.c \
	src/ops/ops_common.c \
	src/ops/ops_elementwise.c \
	src/ops/ops_fft.c \
	src/ops/ops_internal.h \
	src/ops/ops_linear.c \
	src/ops/ops_loss.c \
	src/ops/ops_norm.c \
	src/ops/ops_points.c \
	src/ops/ops_reduce.c \
	src/ops/ops_shape.c \
	src/ops/ops_softmax.c \
	src/ops/ops_tokens.c
# The op checks (geocl/op-check.h): the test harness of every op, installed for plugins' ops too.
src_libgeocl_la_SOURCES += \
	src/ops/op_check.c \
	src/ops/op_check_inputs.c
# Custom ops (geocl/custom-op.h): the registry, and the op on every backend.
src_libgeocl_la_SOURCES += \
	src/ops/custom_internal.h \
	src/ops/custom_registry.c \
	src/ops/ops_custom.c

# convolution, pooling, batch norm, resampling
src_libgeocl_la_SOURCES += src/ops/ops_conv.c src/ops/ops_pool.c src/ops/ops_batchnorm.c src/ops/ops_resample.c
