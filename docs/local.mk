# SPDX-License-Identifier: MIT
# The man page, and the guides installed under $(docdir) with the example
# head plugin (built against the installed geocl: see its README).
dist_man_MANS += docs/geocl.1
dist_doc_DATA = docs/adding-an-op.md docs/ops.md docs/checkpoints.md docs/writing-a-plugin.md docs/pretrain.md \
	docs/croco.md docs/performance.md docs/data-formats.md docs/heads.md
depthprobedir = $(docdir)/examples/depthprobe
dist_depthprobe_DATA = examples/depthprobe/depthprobe.c examples/depthprobe/Makefile examples/depthprobe/README.md
