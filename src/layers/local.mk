# The layers library: building blocks of tasks (position tables, PointNet++
# set abstraction; ViT blocks follow).
src_libgeocl_la_SOURCES += \
	src/layers/pointnet2.c \
	src/layers/posembed.c
