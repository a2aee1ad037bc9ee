# The layers library: building blocks of tasks (position tables; ViT blocks follow).
src_libgeocl_la_SOURCES += \
	src/layers/posembed.c

# convolutional layers and ResNet backbones
src_libgeocl_la_SOURCES += src/layers/conv.c src/layers/resnet.c
geoclinclude_HEADERS += src/geocl/conv.h src/geocl/resnet.h
