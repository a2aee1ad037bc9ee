# SPDX-License-Identifier: MIT
# The OpenCL backend: a loadable module with the cl/*.cl kernels embedded.
OCL_KERNEL_FILES = cl/common.cl cl/data.cl
EXTRA_DIST += cl/embed.sh
backends_opencl_opencl_la_SOURCES = \
	backends/opencl/ocl.h \
	backends/opencl/strided.h \
	backends/opencl/bincache.c \
	backends/opencl/buffers.c \
	backends/opencl/defaults.c \
	backends/opencl/device.c \
	backends/opencl/gemm.c \
	backends/opencl/k_data.c \
	backends/opencl/module.c \
	backends/opencl/profile.c \
	backends/opencl/program.c \
	backends/opencl/sha256.c \
	backends/opencl/strided.c

# gemm
OCL_KERNEL_FILES += cl/gemm.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/tune.h backends/opencl/tune.c \
	backends/opencl/tune_cache.h backends/opencl/tune_cache.c \
	backends/opencl/gemm.h backends/opencl/gemm_kernel.c backends/opencl/gemm_table.c backends/opencl/gemm_tune.c \
	backends/opencl/gemm_clblast.c backends/opencl/gemm_clblast_tune.c

# elementwise
OCL_KERNEL_FILES += cl/elementwise.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_elementwise.c

# reductions
OCL_KERNEL_FILES += cl/reduce.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_reduce.c

# softmax
OCL_KERNEL_FILES += cl/softmax.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_softmax.c

# norm
OCL_KERNEL_FILES += cl/norm.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_norm.c

# attention
OCL_KERNEL_FILES += cl/attention.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/attention.h backends/opencl/k_attention.c \
	backends/opencl/attention_table.c backends/opencl/attention_tune.c

# tokens
OCL_KERNEL_FILES += cl/tokens.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_tokens.c

# losses
OCL_KERNEL_FILES += cl/loss.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_loss.c

# fft
OCL_KERNEL_FILES += cl/fft.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/fft.c

# optimisers
OCL_KERNEL_FILES += cl/optim.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_optim.c

# kernels given as source (custom ops)
backends_opencl_opencl_la_SOURCES += backends/opencl/source_kernel.c

# convolution and pooling
OCL_KERNEL_FILES += cl/conv.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_conv.c

# batch norm (kernels in cl/norm.cl)
backends_opencl_opencl_la_SOURCES += backends/opencl/k_batchnorm.c

# resampling
OCL_KERNEL_FILES += cl/resample.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_resample.c

# point clouds
OCL_KERNEL_FILES += cl/points.cl
backends_opencl_opencl_la_SOURCES += backends/opencl/k_points.c

EXTRA_DIST += $(OCL_KERNEL_FILES)
if GEOCL_OPENCL
backends_LTLIBRARIES += backends/opencl/opencl.la
nodist_backends_opencl_opencl_la_SOURCES = backends/opencl/cl_sources.c
backends_opencl_opencl_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends/opencl \
	$(OPENCL_CFLAGS) $(CLBLAST_CFLAGS) $(CLFFT_CFLAGS)
backends_opencl_opencl_la_LDFLAGS = $(MODULE_LDFLAGS)
backends_opencl_opencl_la_LIBADD = src/libgeocl.la $(OPENCL_LIBS) $(CLBLAST_LIBS) $(CLFFT_LIBS) $(PTHREAD_LIBS)
BUILT_SOURCES += backends/opencl/cl_sources.c
CLEANFILES += backends/opencl/cl_sources.c
endif

backends/opencl/cl_sources.c: $(OCL_KERNEL_FILES) cl/embed.sh
	$(AM_V_GEN)$(MKDIR_P) backends/opencl && \
	$(SHELL) $(srcdir)/cl/embed.sh $@ `for f in $(OCL_KERNEL_FILES); do echo $(srcdir)/$$f; done`
