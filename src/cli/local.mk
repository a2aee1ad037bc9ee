# SPDX-License-Identifier: MIT
# The geocl command: one file per command, shared option and input handling.
bin_PROGRAMS += src/cli/geocl
src_cli_geocl_SOURCES = \
	src/cli/cli.h \
	src/cli/main.c \
	src/cli/cmd_devices.c \
	src/cli/cmd_plugins.c \
	src/cli/cli_common.c \
	src/cli/cli_getopt.c \
	src/cli/cli_buildtree.c \
	src/cli/cli_model_check.c \
	src/cli/cli_inputs.c \
	src/cli/cli_resize.c \
	src/cli/cmd_forward.c \
	src/cli/cmd_reconstruct.c \
	src/cli/cmd_train.c \
	src/cli/cmd_eval.c \
	src/cli/cmd_infer.c \
	src/cli/cmd_bench.c
# data
src_cli_geocl_SOURCES += src/cli/cmd_synth.c
# gemm
src_cli_geocl_SOURCES += src/cli/cmd_tune.c src/cli/cli_step.c src/cli/cli_lidar.c
# resnet: geocl bench resnet, geocl tune --resnet
src_cli_geocl_SOURCES += src/cli/cli_resnet.c
src_cli_geocl_LDADD = src/libgeocl.la
# plot
src_cli_geocl_SOURCES += src/cli/cmd_plot.c src/cli/plot.c src/cli/plot_bars.c src/cli/plot.h src/cli/plot_canvas.c src/cli/plot_canvas.h
src_cli_geocl_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
src_cli_geocl_LDADD += $(JSONC_LIBS)
# pairs
src_cli_geocl_SOURCES += src/cli/cmd_pairs.c src/cli/covis.c src/cli/covis.h
# encode
src_cli_geocl_SOURCES += src/cli/cmd_encode.c
