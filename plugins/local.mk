# SPDX-License-Identifier: MIT
# Pretext-task plugins (loadable modules).  The ViT blocks and the masked
# image modelling core are compiled into each plugin that uses them.
VIT_SOURCES = plugins/vit/vit.c plugins/vit/vit.h plugins/vit/mim.c plugins/vit/mim.h

plugins_LTLIBRARIES += plugins/croco.la plugins/mae.la
plugins_croco_la_SOURCES = plugins/croco/croco.c $(VIT_SOURCES)
plugins_croco_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_croco_la_LIBADD = src/libgeocl.la -lm
plugins_mae_la_SOURCES = plugins/mae/mae.c $(VIT_SOURCES)
plugins_mae_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_mae_la_LIBADD = src/libgeocl.la -lm
