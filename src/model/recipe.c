/* SPDX-License-Identifier: MIT */
/* The default training recipe. */
#include <geocl/plugin.h>

/* naver/croco pretrain.py: AdamW(betas=(0.9, 0.95)) with weight decay 0.05
 * except on biases and 1-D tensors, lr = blr·eff_batch/256 with blr 1.5e-4,
 * warm-up then half-cosine (util/misc.py adjust_learning_rate). */
const geocl_recipe geocl_recipe_croco = {
    .optim = {.kind = GEOCL_OPTIM_ADAMW, .lr = 0, .weight_decay = 0.05, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8},
    .blr = 1.5e-4,
    .schedule = GEOCL_LR_WARMUP_COSINE,
    .warmup = 0.05,
};
