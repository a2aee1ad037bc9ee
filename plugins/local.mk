# SPDX-License-Identifier: MIT
# Pretext-task plugins (loadable modules).  The masked-image-modelling core
# (plugins/mim: CroCo's model around the layers library's ViT blocks) is
# compiled into each plugin that uses it.
MIM_SOURCES = plugins/mim/mim.c plugins/mim/mim.h plugins/mim/mim_backbone.c

plugins_LTLIBRARIES += plugins/croco.la plugins/mae.la
plugins_croco_la_SOURCES = plugins/croco/croco.c $(MIM_SOURCES)
plugins_croco_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_croco_la_LIBADD = src/libgeocl.la -lm
plugins_mae_la_SOURCES = plugins/mae/mae.c $(MIM_SOURCES)
plugins_mae_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_mae_la_LIBADD = src/libgeocl.la -lm

# Dense heads on a CroCo backbone: one module per task from plugins/dpt/dpt_plugin.c.
DPT_SOURCES = plugins/dpt/dpt_plugin.c plugins/dpt/dpt_head.c plugins/dpt/dpt_head.h
plugins_LTLIBRARIES += plugins/stereo.la plugins/flow.la plugins/depth.la
plugins_stereo_la_SOURCES = $(DPT_SOURCES)
plugins_stereo_la_CPPFLAGS = $(AM_CPPFLAGS) -DDPT_PLUGIN=DPT_STEREO
plugins_stereo_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_stereo_la_LIBADD = src/libgeocl.la -lm
plugins_flow_la_SOURCES = $(DPT_SOURCES)
plugins_flow_la_CPPFLAGS = $(AM_CPPFLAGS) -DDPT_PLUGIN=DPT_FLOW
plugins_flow_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_flow_la_LIBADD = src/libgeocl.la -lm
plugins_depth_la_SOURCES = $(DPT_SOURCES)
plugins_depth_la_CPPFLAGS = $(AM_CPPFLAGS) -DDPT_PLUGIN=DPT_DEPTH
plugins_depth_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_depth_la_LIBADD = src/libgeocl.la -lm

# SimIPU: image / LiDAR contrastive pre-training
plugins_LTLIBRARIES += plugins/simipu.la
plugins_simipu_la_SOURCES = plugins/simipu/simipu.c plugins/simipu/simipu.h plugins/simipu/config.c \
	plugins/simipu/pointnet.c plugins/simipu/heads.c plugins/simipu/match.c plugins/simipu/history.c \
	plugins/simipu/picture.c plugins/simipu/backbone.c
plugins_simipu_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_simipu_la_LIBADD = src/libgeocl.la -lm

# the features head: block outputs of a croco backbone, for geocl encode
plugins_LTLIBRARIES += plugins/features.la
plugins_features_la_SOURCES = plugins/features/features.c
plugins_features_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_features_la_LIBADD = src/libgeocl.la

# depth-resnet: the DenseDepth decoder on SimIPU's ResNet image encoder
plugins_LTLIBRARIES += plugins/depth-resnet.la
plugins_depth_resnet_la_SOURCES = plugins/densedepth/densedepth.c
plugins_depth_resnet_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_depth_resnet_la_LIBADD = src/libgeocl.la
