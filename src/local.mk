# libgeocl (the core, with the reference backend compiled in) and the geocl command.
lib_LTLIBRARIES += src/libgeocl.la

src_libgeocl_la_SOURCES = \
	src/autograd.c \
	src/backends.c \
	src/context.c \
	src/error.c \
	src/log.c \
	src/module.c \
	src/module.h \
	src/pool.c \
	src/rng.c \
	src/tensor.c \
	src/timing.c \
	src/timing.h \
	src/internal.h \
	src/ops_common.c \
	src/ops_internal.h \
	src/ops_shape.c

# plugins and their configuration
src_libgeocl_la_SOURCES += src/config.c src/plugins.c src/model.c src/picture.c

# training driver
src_libgeocl_la_SOURCES += src/train.c src/train_config.c src/train_files.c src/train_internal.h

# elementwise
src_libgeocl_la_SOURCES += src/ops_elementwise.c

# reductions
src_libgeocl_la_SOURCES += src/ops_reduce.c

# linear and softmax
src_libgeocl_la_SOURCES += src/ops_linear.c src/ops_softmax.c

# norm
src_libgeocl_la_SOURCES += src/ops_norm.c

# attention
src_libgeocl_la_SOURCES += src/ops_attention.c src/posembed.c

# tokens
src_libgeocl_la_SOURCES += src/ops_tokens.c

# losses
src_libgeocl_la_SOURCES += src/ops_loss.c

# fft
src_libgeocl_la_SOURCES += src/ops_fft.c

# optimisers and parameters
src_libgeocl_la_SOURCES += src/safetensors.c src/safetensors_write.c src/checkpoint.c src/checkpoint.h \
	src/params.c src/optim.c src/optim_state.c src/optim_internal.h src/schedule.c
# (installed into $(includedir)/geocl like geoclinclude_HEADERS, listed here to keep this block self-contained)
geocl_optimincludedir = $(includedir)/geocl
geocl_optiminclude_HEADERS = src/geocl/safetensors.h src/geocl/params.h src/geocl/optim.h src/geocl/schedule.h

# data: image and KITTI readers, pair listings, pair loader, synthetic scenes
src_libgeocl_la_SOURCES += src/fileio.c src/fileio.h src/text_lines.h \
	src/image.c src/image_codec.h src/image_png.c src/image_jpeg.c \
	src/kitti.c src/kitti_text.c src/pairs.c src/keyed_rng.h \
	src/synth_internal.h src/synth_scene.c src/synth_room.c src/synth_street.c src/synth_raycast.c \
	src/synth_shade.c src/synth_render.c src/synth_geometry.c src/synth_dataset.c src/synth_pair.c \
	src/augment.c src/points_augment.c src/pair_loader.c


src_libgeocl_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DGEOCL_BACKENDSDIR=\"$(backendsdir)\" -DGEOCL_PLUGINSDIR=\"$(pluginsdir)\" \
	$(PNG_CFLAGS) $(JSONC_CFLAGS) $(JPEG_CFLAGS)
src_libgeocl_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(GEOCL_LT_VERSION) -no-undefined \
	-export-symbols-regex '^geocl_'
src_libgeocl_la_LIBADD = $(PNG_LIBS) $(JSONC_LIBS) $(JPEG_LIBS) $(PTHREAD_LIBS) -lm

geoclincludedir = $(includedir)/geocl
geoclinclude_HEADERS = \
	src/geocl/autograd.h \
	src/geocl/backend-api.h \
	src/geocl/config.h \
	src/geocl/plugin.h \
	src/geocl/model.h \
	src/geocl/train.h \
	src/geocl/context.h \
	src/geocl/geocl.h \
	src/geocl/log.h \
	src/geocl/op-api.h \
	src/geocl/ops.h \
	src/geocl/rng.h \
	src/geocl/status.h \
	src/geocl/tensor.h
nodist_geoclinclude_HEADERS = src/geocl/version.h
# data
geoclinclude_HEADERS += src/geocl/image.h src/geocl/kitti.h src/geocl/pairs.h src/geocl/synth.h \
	src/geocl/augment.h src/geocl/pair_loader.h

bin_PROGRAMS += src/cli/geocl
src_cli_geocl_SOURCES = \
	src/cli/cli.h \
	src/cli/main.c \
	src/cli/cmd_devices.c \
	src/cli/cmd_plugins.c \
	src/cli/cli_common.c \
	src/cli/cli_inputs.c \
	src/cli/cmd_forward.c \
	src/cli/cmd_reconstruct.c \
	src/cli/cmd_pretrain.c \
	src/cli/cmd_bench.c
# data
src_cli_geocl_SOURCES += src/cli/cmd_synth.c
# gemm
src_cli_geocl_SOURCES += src/cli/cmd_tune.c src/cli/cli_step.c
src_cli_geocl_LDADD = src/libgeocl.la
