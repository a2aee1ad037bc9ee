# The layers library: building blocks of tasks (position tables; ViT blocks follow).
src_libgeocl_la_SOURCES += \
	src/layers/posembed.c
