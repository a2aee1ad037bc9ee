# SPDX-License-Identifier: MIT
# Check suites, run by `make check` through tests/wrapper.sh.
LOG_COMPILER = $(SHELL) $(top_builddir)/tests/wrapper.sh
SH_LOG_COMPILER = $(SHELL) $(top_builddir)/tests/wrapper.sh
TEST_EXTENSIONS = .sh

# Every test program links this unless it says otherwise (the command and
# the libraries have their own).
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TEST_LDADD = tests/libtestutil.la src/libgeocl.la $(CHECK_LIBS) -lm
LDADD = $(TEST_LDADD)

check_LTLIBRARIES += tests/libtestutil.la
tests_libtestutil_la_SOURCES = tests/testutil.c tests/testutil.h
tests_libtestutil_la_CFLAGS = $(TEST_CFLAGS)
tests_libtestutil_la_LIBADD = src/libgeocl.la

CORE_TESTS = tests/check_core tests/check_loader tests/check_opencl_smoke
OP_TESTS = tests/check_backend_ops tests/check_gradients
PLUGIN_TESTS = tests/check_plugins tests/check_croco tests/check_train tests/check_heads tests/check_dense_eval
check_PROGRAMS += $(PLUGIN_TESTS)
TESTS += $(PLUGIN_TESTS)
tests_check_plugins_SOURCES = tests/check_plugins.c
# geocl forward/reconstruct on files made by a helper
check_PROGRAMS += tests/make_model_files
tests_make_model_files_SOURCES = tests/make_model_files.c
tests_make_model_files_LDADD = src/libgeocl.la
TESTS += tests/model_cli.sh tests/pretrain_cli.sh tests/finetune_cli.sh tests/cli_usage.sh tests/eval_cli.sh tests/heads_cli.sh
if GEOCL_MPI
TESTS += tests/mpi_cli.sh
check_PROGRAMS += tests/dist_mean
tests_dist_mean_SOURCES = tests/dist_mean.c
tests_dist_mean_LDADD = src/libgeocl.la -lm
endif
EXTRA_DIST += tests/mpi_cli.sh
EXTRA_DIST += tests/model_cli.sh tests/pretrain_cli.sh tests/finetune_cli.sh tests/cli_checks.sh tests/cli_usage.sh \
	tests/eval_cli.sh tests/heads_cli.sh
tests_check_heads_SOURCES = tests/check_heads.c
tests_check_dense_eval_SOURCES = tests/check_dense_eval.c
check_PROGRAMS += tests/check_dense_heads
TESTS += tests/check_dense_heads
tests_check_dense_heads_SOURCES = tests/check_dense_heads.c tests/golden.c tests/golden.h
tests_check_dense_heads_CFLAGS = $(TEST_CFLAGS) $(JSONC_CFLAGS)
tests_check_dense_heads_LDADD = $(TEST_LDADD) $(JSONC_LIBS)
EXTRA_DIST += tests/fixtures/dense/criteria.safetensors \
	tests/fixtures/dense/stereo-rope/inputs.safetensors tests/fixtures/dense/stereo-rope/outputs.safetensors \
	tests/fixtures/dense/stereo-rope/grads.safetensors \
	tests/fixtures/dense/flow-cosine/inputs.safetensors tests/fixtures/dense/flow-cosine/outputs.safetensors \
	tests/fixtures/dense/flow-cosine/grads.safetensors \
	tests/fixtures/dense/depth-rope/inputs.safetensors tests/fixtures/dense/depth-rope/outputs.safetensors \
	tests/fixtures/dense/depth-rope/grads.safetensors tests/gen/gen_dpt_fixtures.py
# kill -9 at every syscall of a run's files (strace), then resume: bit-identical
TESTS += tests/fault_inject.sh
EXTRA_DIST += tests/fault_inject.sh
tests_check_train_SOURCES = tests/check_train.c
tests_check_croco_SOURCES = tests/check_croco.c tests/golden.c tests/golden.h
tests_check_croco_CFLAGS = $(TEST_CFLAGS) $(JSONC_CFLAGS)
tests_check_croco_LDADD = $(TEST_LDADD) $(JSONC_LIBS)
EXTRA_DIST += tests/fixtures/croco/README.md \
	tests/fixtures/croco/croco-cosine/inputs.safetensors tests/fixtures/croco/croco-cosine/outputs.safetensors \
	tests/fixtures/croco/croco-cosine/grads.safetensors \
	tests/fixtures/croco/croco-rope/inputs.safetensors tests/fixtures/croco/croco-rope/outputs.safetensors \
	tests/fixtures/croco/croco-rope/grads.safetensors \
	tests/fixtures/croco/mae-rope/inputs.safetensors tests/fixtures/croco/mae-rope/outputs.safetensors \
	tests/fixtures/croco/mae-rope/grads.safetensors
# test-only plugins: one good, one built for another ABI
check_LTLIBRARIES += tests/plugins/testtask.la tests/plugins/oldtask.la tests/plugins/testhead.la tests/plugins/testdense.la
tests_plugins_testdense_la_SOURCES = tests/plugins/testdense.c
tests_plugins_testdense_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_plugins_testdense_la_LIBADD = src/libgeocl.la
tests_plugins_testhead_la_SOURCES = tests/plugins/testhead.c
tests_plugins_testhead_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_plugins_testhead_la_LIBADD = src/libgeocl.la
tests_plugins_testtask_la_SOURCES = tests/plugins/testtask.c
tests_plugins_testtask_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_plugins_testtask_la_LIBADD = src/libgeocl.la
tests_plugins_oldtask_la_SOURCES = tests/plugins/oldtask.c
tests_plugins_oldtask_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
check_PROGRAMS += $(CORE_TESTS) $(OP_TESTS)
TESTS += $(CORE_TESTS) $(OP_TESTS) tests/no_platform.sh

# op case tables: one file per family, listed in tests/op_cases.c
check_LTLIBRARIES += tests/libopcases.la
tests_libopcases_la_SOURCES = tests/op_harness.c tests/op_harness.h tests/op_cases.c \
	tests/cases_shape.c tests/cases_elementwise.c tests/cases_reduce.c \
	tests/cases_linear.c
# norm
tests_libopcases_la_SOURCES += tests/cases_norm.c
# tokens
tests_libopcases_la_SOURCES += tests/cases_tokens.c
# loss
tests_libopcases_la_SOURCES += tests/cases_loss.c
# point clouds
tests_libopcases_la_SOURCES += tests/cases_points.c
tests_libopcases_la_CFLAGS = $(TEST_CFLAGS)
tests_libopcases_la_LIBADD = src/libgeocl.la

tests_check_backend_ops_SOURCES = tests/check_backend_ops.c
tests_check_backend_ops_LDADD = tests/libopcases.la $(TEST_LDADD)

tests_check_gradients_SOURCES = tests/check_gradients.c
tests_check_gradients_LDADD = tests/libopcases.la $(TEST_LDADD)
EXTRA_DIST += tests/no_platform.sh

# fft: the clFFT path at element offsets
tests_libopcases_la_SOURCES += tests/cases_fft.c
check_PROGRAMS += tests/check_fft
TESTS += tests/check_fft
tests_check_fft_SOURCES = tests/check_fft.c

# attention
tests_libopcases_la_SOURCES += tests/cases_attention.c
# convolution and pooling, batch norm, resampling
tests_libopcases_la_SOURCES += tests/cases_conv.c tests/cases_batchnorm.c tests/cases_resample.c
check_PROGRAMS += tests/check_attention
TESTS += tests/check_attention
tests_check_attention_SOURCES = tests/check_attention.c
tests_check_attention_LDADD = tests/libopcases.la $(TEST_LDADD)

tests_check_core_SOURCES = tests/check_core.c

tests_check_loader_SOURCES = tests/check_loader.c

tests_check_opencl_smoke_SOURCES = tests/check_opencl_smoke.c

# norm: known answers for layernorm and l2_normalize
check_PROGRAMS += tests/check_norm
TESTS += tests/check_norm
tests_check_norm_SOURCES = tests/check_norm.c

# tokens: known answers for patchify, unpatchify, patch_embed, gather/scatter
check_PROGRAMS += tests/check_tokens
TESTS += tests/check_tokens
tests_check_tokens_SOURCES = tests/check_tokens.c

# Deliberately broken backend modules the loader must refuse, and one good one.
check_LTLIBRARIES += tests/modules/badabi.la tests/modules/nosym.la tests/modules/fake.la
TEST_MODULE_LDFLAGS = -module -avoid-version -shared -rpath /nowhere $(AM_LDFLAGS)
tests_modules_badabi_la_SOURCES = tests/modules/badabi.c
tests_modules_badabi_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_modules_nosym_la_SOURCES = tests/modules/nosym.c
tests_modules_nosym_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_modules_fake_la_SOURCES = tests/modules/fake.c
tests_modules_fake_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_modules_fake_la_LIBADD = src/libgeocl.la

clean-local: clean-test-dirs
clean-test-dirs:
	-rm -rf tests/clcache tests/pocl-cache tests/tmp
.PHONY: clean-test-dirs

# optimisers and parameters: safetensors, parameter registry, optimizers, schedules
OPTIM_TESTS = tests/check_safetensors tests/check_params tests/check_optim
check_PROGRAMS += $(OPTIM_TESTS)
TESTS += $(OPTIM_TESTS)
tests_check_safetensors_SOURCES = tests/check_safetensors.c
tests_check_params_SOURCES = tests/check_params.c tests/call_counter.c tests/call_counter.h
tests_check_optim_SOURCES = tests/check_optim.c tests/call_counter.c tests/call_counter.h
EXTRA_DIST += tests/fixtures/optim_torch.safetensors tests/gen/gen_optim_fixture.py tests/gen/README.md
# data: readers, synthetic scenes, pair loader
DATA_TESTS = tests/check_data_readers tests/check_synth tests/check_data_loader tests/check_densemap tests/check_lidar_data
check_PROGRAMS += $(DATA_TESTS)
TESTS += $(DATA_TESTS) tests/synth_cli.sh
EXTRA_DIST += tests/synth_cli.sh
tests_check_data_readers_SOURCES = tests/check_data_readers.c
tests_check_synth_SOURCES = tests/check_synth.c
tests_check_data_loader_SOURCES = tests/check_data_loader.c
tests_check_densemap_SOURCES = tests/check_densemap.c
tests_check_lidar_data_SOURCES = tests/check_lidar_data.c
EXTRA_DIST += tests/fixtures/data
# known answers: single ops against PyTorch (fixtures from tests/gen/gen_op_kats.py)
check_PROGRAMS += tests/check_kat
TESTS += tests/check_kat
tests_check_kat_SOURCES = tests/check_kat.c
EXTRA_DIST += tests/gen/gen_op_kats.py tests/fixtures/ops/attention.safetensors \
	tests/fixtures/ops/attention_n197.safetensors tests/fixtures/ops/layernorm.safetensors \
	tests/fixtures/ops/gelu.safetensors tests/fixtures/ops/masked_mse.safetensors \
	tests/fixtures/ops/infonce.safetensors tests/fixtures/ops/grid_sample.safetensors
EXTRA_DIST += tests/gen/gen_cnn_kats.py tests/fixtures/ops/conv2d.safetensors \
	tests/fixtures/ops/conv_transpose2d.safetensors tests/fixtures/ops/batchnorm.safetensors \
	tests/fixtures/ops/resize.safetensors tests/fixtures/ops/max_pool2d.safetensors

# point clouds: samplers against their definitions, grouping, linear assignment
check_PROGRAMS += tests/check_points
TESTS += tests/check_points
tests_check_points_SOURCES = tests/check_points.c

# kernels: the vector widths and row shapes of other devices, on this one
TESTS += tests/kernel_shapes.sh
EXTRA_DIST += tests/kernel_shapes.sh

# the OpenCL backend builds from installed headers only
TESTS += tests/backend_headers.sh
EXTRA_DIST += tests/backend_headers.sh

# gemm: geocl tune and its cache
TESTS += tests/tune_cli.sh
EXTRA_DIST += tests/tune_cli.sh

# geocl bench
TESTS += tests/bench_cli.sh
EXTRA_DIST += tests/bench_cli.sh

# custom ops: a plugin registers them, the installed op checks test them
check_PROGRAMS += tests/check_custom_op
TESTS += tests/check_custom_op
tests_check_custom_op_SOURCES = tests/check_custom_op.c
tests_check_custom_op_LDADD = tests/libopcases.la $(TEST_LDADD)
check_LTLIBRARIES += tests/plugins/customop.la
tests_plugins_customop_la_SOURCES = tests/plugins/customop.c
tests_plugins_customop_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_plugins_customop_la_LIBADD = src/libgeocl.la -lm

# layers: ResNet-18 and ResNet-50 against torchvision
check_PROGRAMS += tests/check_resnet
TESTS += tests/check_resnet
tests_check_resnet_SOURCES = tests/check_resnet.c
tests_check_resnet_CFLAGS = $(TEST_CFLAGS)
tests_check_resnet_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/gen/gen_resnet_fixture.py tests/fixtures/resnet.safetensors

# SimIPU: the golden step against tests/gen/simipu_ref.py, the recipe, refusals
check_PROGRAMS += tests/check_simipu
TESTS += tests/check_simipu
tests_check_simipu_SOURCES = tests/check_simipu.c
tests_check_simipu_CFLAGS = $(TEST_CFLAGS) $(JSONC_CFLAGS)
tests_check_simipu_LDADD = $(TEST_LDADD) $(JSONC_LIBS)
EXTRA_DIST += tests/fixtures/simipu/step.safetensors tests/gen/gen_simipu_fixtures.py

# SimIPU end to end: geocl synth data, a falling loss, exact resume, the picture
TESTS += tests/simipu_cli.sh
EXTRA_DIST += tests/simipu_cli.sh
# geocl plot's drawing (the command's own sources)
check_PROGRAMS += tests/check_plot
TESTS += tests/check_plot tests/plot_cli.sh
EXTRA_DIST += tests/plot_cli.sh
tests_check_plot_SOURCES = tests/check_plot.c src/cli/plot.c src/cli/plot_bars.c src/cli/plot_canvas.c
tests_check_plot_CFLAGS = $(TEST_CFLAGS) $(JSONC_CFLAGS)
tests_check_plot_LDADD = $(TEST_LDADD) $(JSONC_LIBS)
# the library's font and caption strips above pictures
check_PROGRAMS += tests/check_picture
TESTS += tests/check_picture
tests_check_picture_SOURCES = tests/check_picture.c
# geocl pairs: the co-visibility estimate, the command
check_PROGRAMS += tests/check_covis
TESTS += tests/check_covis tests/pairs_cli.sh
EXTRA_DIST += tests/pairs_cli.sh
tests_check_covis_SOURCES = tests/check_covis.c src/cli/covis.c
# geocl encode against geocl forward with nothing masked
check_PROGRAMS += tests/st_allclose
tests_st_allclose_SOURCES = tests/st_allclose.c
tests_st_allclose_LDADD = src/libgeocl.la -lm
TESTS += tests/encode_cli.sh tests/resize_cli.sh tests/accum_cli.sh tests/resume_cli.sh
EXTRA_DIST += tests/encode_cli.sh tests/resize_cli.sh tests/accum_cli.sh tests/resume_cli.sh
# position embeddings resampled to the model's grid on loading
check_PROGRAMS += tests/check_pos_embed
TESTS += tests/check_pos_embed
tests_check_pos_embed_SOURCES = tests/check_pos_embed.c
EXTRA_DIST += tests/gen/gen_pos_embed_fixture.py tests/fixtures/pos_embed_resample.safetensors

# the depth-resnet head (plugins/densedepth) on simipu's ResNet encoder
check_PROGRAMS += tests/check_depth_resnet
TESTS += tests/check_depth_resnet tests/depth_resnet_cli.sh
EXTRA_DIST += tests/depth_resnet_cli.sh
tests_check_depth_resnet_SOURCES = tests/check_depth_resnet.c
tests_check_depth_resnet_CFLAGS = $(TEST_CFLAGS)
tests_check_depth_resnet_LDADD = $(TEST_LDADD)
