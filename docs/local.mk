# SPDX-License-Identifier: MIT
dist_man_MANS += docs/geocl.1
EXTRA_DIST += docs/adding-an-op.md docs/ops.md
EXTRA_DIST += docs/checkpoints.md docs/writing-a-plugin.md docs/pretrain.md docs/croco.md docs/performance.md
# data
EXTRA_DIST += docs/data-formats.md
EXTRA_DIST += docs/fuzzing.md
