# SPDX-License-Identifier: MIT
# The man page, and the guides installed under $(docdir) with the example
# head plugin (built against the installed geocl: see its README).
dist_man_MANS += docs/geocl.1
dist_doc_DATA = docs/adding-an-op.md docs/ops.md docs/checkpoints.md docs/writing-a-plugin.md docs/pretrain.md \
	docs/croco.md docs/performance.md docs/data-formats.md docs/distributed.md docs/opencl-drivers.md \
	docs/heads.md
depthprobedir = $(docdir)/examples/depthprobe
dist_depthprobe_DATA = examples/depthprobe/depthprobe.c examples/depthprobe/Makefile examples/depthprobe/README.md
# releases and packaging
dist_doc_DATA += docs/releasing.md
EXTRA_DIST += docs/packaging.md
# for developers: fuzz targets and fault injection
EXTRA_DIST += docs/fuzzing.md
# SimIPU
dist_doc_DATA += docs/simipu.md
# the transfer experiment (tools/experiments/transfer)
dist_doc_DATA += docs/experiments.md
