# The reference backend is compiled into libgeocl.
src_libgeocl_la_SOURCES += \
	backends/reference/ref.h \
	backends/reference/reference.c \
	backends/reference/ref_data.c \
	backends/reference/ref_gemm.c
