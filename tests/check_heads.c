/* SPDX-License-Identifier: MIT */
/* Heads on backbones (tests/plugins/testhead.c on croco): the backbone's
 * features against the pretext model's own encoder, loading a pre-trained
 * backbone with its report, the errors a user gets before any step,
 * parameter rules (frozen prefixes, learning-rate multipliers), head
 * checkpoints and evaluation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>

#include "testutil.h"

#define TINY_ARGS "enc_embed_dim=32", "enc_depth=3", "enc_num_heads=2", "dec_embed_dim=24", "dec_depth=2", \
                  "dec_num_heads=2", "img_size=32", "patch_size=8", "pos_embed=RoPE100"

static char pretrained[4200];

/* A small random croco model saved once: the "pre-trained" backbone. */
static const char *pretrained_croco(geocl_ctx *ctx) {
  if (pretrained[0]) return pretrained;
  const char *args[] = {TINY_ARGS};
  geocl_model_opts mo = {.task = "croco", .args = args, .n_args = 9, .init_seed = 5};
  geocl_model *m;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  snprintf(pretrained, sizeof pretrained, "%s/heads-croco.safetensors", test_tmpdir());
  ck_assert_ok(geocl_model_save(m, pretrained, 0, NULL));
  geocl_model_free(m);
  return pretrained;
}

static geocl_tensor *random_images(geocl_ctx *ctx, int64_t b, unsigned seed) {
  size_t n = (size_t)(b * 3 * 32 * 32);
  float *h = malloc(n * sizeof *h);
  test_fill_uniform(h, n, seed, -1.5f, 1.5f);
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(b, 3, 32, 32), h);
  free(h);
  return t;
}

static geocl_model *head_model(geocl_ctx *ctx, const char *hook, const geocl_param_rule *rules, int n_rules) {
  char arg[64];
  snprintf(arg, sizeof arg, "hook=%s", hook);
  const char *args[] = {arg};
  geocl_model_opts mo = {.task = "testhead", .init = pretrained_croco(ctx), .args = args, .n_args = 1,
                         .rules = rules, .n_rules = n_rules, .init_seed = 3};
  geocl_model *m = NULL;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  return m;
}

/* The encoder backbone's last block equals croco's own feat2 (image 2
 * encoded unmasked and normalised) computed by the pretext forward. */
START_TEST(encoder_features_match_the_pretext_encoder) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *h = head_model(ctx, "enc.2", NULL, 0);
  const geocl_load_report *r = geocl_model_load_report(h);
  printf("init report: %d loaded, %d skipped (%s), %d kept (%s)\n", r->loaded, r->skipped, r->skipped_names, r->kept,
         r->kept_names);
  ck_assert_int_eq(r->kept, 2); /* head.proj.weight and .bias */
  ck_assert_ptr_nonnull(strstr(r->skipped_names, "mask_token"));
  ck_assert_ptr_nonnull(strstr(r->skipped_names, "dec_blocks.0"));
  ck_assert_ptr_null(geocl_params_find(geocl_model_params(h), "mask_token")); /* only what the head uses */

  const char *args[] = {TINY_ARGS};
  geocl_model_opts mo = {.task = "croco", .weights = pretrained_croco(ctx), .args = args, .n_args = 9};
  geocl_model *croco;
  ck_assert_ok(geocl_model_create(ctx, &mo, &croco));
  geocl_tensor *x = random_images(ctx, 2, 7);
  geocl_batch hb = {.size = 2}, cb = {.size = 2};
  ck_assert_ok(geocl_batch_set(&hb, "image1", x));
  ck_assert_ok(geocl_batch_set(&cb, "image1", random_images(ctx, 2, 8)));
  ck_assert_ok(geocl_batch_set(&cb, "image2", x));
  geocl_outputs ho, co;
  ck_assert_ok(geocl_model_forward(h, &hb, &ho));
  ck_assert_ok(geocl_model_forward(croco, &cb, &co));
  geocl_tensor *a = geocl_outputs_get(&ho, "feat"), *b = geocl_outputs_get(&co, "feat2");
  ck_assert_int_eq(geocl_numel(a), geocl_numel(b));
  float *ha = test_download(a), *hc = test_download(b);
  double err = test_rel_l2(ha, hc, (size_t)geocl_numel(a));
  printf("backbone enc.2 vs croco feat2: relative L2 %.3g\n", err);
  ck_assert_double_le(err, 1e-6);
  free(ha);
  free(hc);
  geocl_model_free(croco);
  geocl_model_free(h);
  geocl_ctx_free(ctx);
}
END_TEST

/* Binocular: the decoder's blocks are there (no prediction head), and its
 * last output comes normalised, as the official downstream model returns it. */
START_TEST(binocular_backbone_returns_decoder_blocks) {
  geocl_ctx *ctx = test_ref_ctx();
  const char *args[] = {"hook=dec.1", "binocular=true"};
  geocl_model_opts mo = {.task = "testhead", .init = pretrained_croco(ctx), .args = args, .n_args = 2};
  geocl_model *h;
  ck_assert_ok(geocl_model_create(ctx, &mo, &h));
  geocl_backbone_info info;
  ck_assert_ok(geocl_backbone_get_info(geocl_model_backbone(h), &info));
  ck_assert_int_eq(info.n_blocks, 5);
  ck_assert_str_eq(info.block[3], "dec.0");
  ck_assert_int_eq(info.dim[4], 24);
  ck_assert_ptr_nonnull(geocl_params_find(geocl_model_params(h), "dec_blocks.1.cross_attn.projq.weight"));
  ck_assert_ptr_null(geocl_params_find(geocl_model_params(h), "prediction_head.weight"));
  geocl_batch b = {.size = 1};
  ck_assert_ok(geocl_batch_set(&b, "image1", random_images(ctx, 1, 1)));
  ck_assert_ok(geocl_batch_set(&b, "image2", random_images(ctx, 1, 2)));
  geocl_outputs o;
  ck_assert_ok(geocl_model_forward(h, &b, &o));
  /* dec_norm (γ = 1, β = 0 as initialised) on the last block's output: every token normalised */
  ck_assert_int_eq(geocl_numel(geocl_outputs_get(&o, "feat")), 16 * 24);
  float *f = test_download(geocl_outputs_get(&o, "feat"));
  for (int t = 0; t < 16; t++) {
    double mean = 0, var = 0;
    for (int c = 0; c < 24; c++) mean += f[t * 24 + c] / 24.0;
    for (int c = 0; c < 24; c++) var += (f[t * 24 + c] - mean) * (f[t * 24 + c] - mean) / 24.0;
    ck_assert_double_le(fabs(mean), 1e-5);
    ck_assert_double_le(fabs(var - 1), 1e-3);
  }
  free(f);
  geocl_model_free(h);
  geocl_ctx_free(ctx);
}
END_TEST

/* What a user gets wrong is refused while the model is built. */
START_TEST(errors_before_any_step) {
  geocl_ctx *ctx = test_ref_ctx();
  const char *bad_hook[] = {"hook=enc.99"};
  geocl_model_opts mo = {.task = "testhead", .init = pretrained_croco(ctx), .args = bad_hook, .n_args = 1};
  geocl_model *m;
  ck_assert_int_eq(geocl_model_create(ctx, &mo, &m), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "has no block 'enc.99'"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "enc.0"));
  /* a file without the backbone's tensors */
  char path[4200];
  snprintf(path, sizeof path, "%s/ops/gelu.safetensors", getenv("GEOCL_FIXTURES"));
  const char *hook[] = {"hook=enc.2"};
  mo = (geocl_model_opts){.task = "testhead", .init = path, .args = hook, .n_args = 1, .backbone_preset = "tiny"};
  ck_assert_int_eq(geocl_model_create(ctx, &mo, &m), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "lacks"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "patch_embed.proj.weight"));
  /* ... unless partial loading is asked for: then they keep their init */
  mo.init_partial = true;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  ck_assert_int_eq(geocl_model_load_report(m)->loaded, 0);
  geocl_model_free(m);
  /* backbone options come before the backbone is built; --init is for heads */
  const char *bad_opt[] = {"backbone.enc_depht=3"};
  mo = (geocl_model_opts){.task = "testhead", .args = bad_opt, .n_args = 1};
  ck_assert_int_eq(geocl_model_create(ctx, &mo, &m), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "enc_depht"));
  mo = (geocl_model_opts){.task = "croco", .init = pretrained_croco(ctx)};
  ck_assert_int_eq(geocl_model_create(ctx, &mo, &m), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "not a head"));
  geocl_ctx_free(ctx);
}
END_TEST

/* --freeze and --lr-mult as rules: frozen parameters have no group and do
 * not move in a step; a multiplier makes its own group. */
START_TEST(rules_freeze_and_scale) {
  geocl_ctx *ctx = test_ref_ctx();
  const geocl_param_rule rules[] = {{.match = "enc_", .frozen = true}, {.match = "head.", .lr_mult = 10}};
  geocl_model *m = head_model(ctx, "enc.2", rules, 2);
  geocl_params *p = geocl_model_params(m);
  int i = geocl_params_index(p, "enc_blocks.0.attn.qkv.weight");
  ck_assert(geocl_params_is_frozen(p, i));
  ck_assert_int_eq(geocl_params_group(p, i), -1);
  int h = geocl_params_index(p, "head.proj.weight");
  const geocl_model_group *g = geocl_model_group_get(m, geocl_params_group(p, h));
  ck_assert_str_eq(g->match, "head.");
  ck_assert_double_eq(g->lr_mult, 10);
  ck_assert(g->decay);
  const geocl_model_group *pe = geocl_model_group_get(m, geocl_params_group(p, geocl_params_index(p, "patch_embed.proj.bias")));
  ck_assert_ptr_null(pe->match);
  ck_assert(!pe->decay);

  geocl_train_opts o;
  geocl_train_opts_default(&o);
  o.lr = 1e-2;
  geocl_optim *opt;
  ck_assert_ok(geocl_train_optimizer(m, &o, &opt));
  ck_assert_double_eq_tol(geocl_optim_group_settings(opt, geocl_params_group(p, h))->lr, 0.1, 1e-12);
  float *before_enc = test_download(geocl_params_get(p, i)), *before_head = test_download(geocl_params_get(p, h));
  geocl_batch b = {.size = 1, .training = true};
  ck_assert_ok(geocl_batch_set(&b, "image1", random_images(ctx, 1, 3)));
  geocl_outputs out;
  geocl_params_zero_grad(p);
  ck_assert_ok(geocl_model_forward(m, &b, &out));
  ck_assert_ok(geocl_backward(geocl_outputs_get(&out, "loss")));
  ck_assert_ok(geocl_optim_step(opt));
  float *after_enc = test_download(geocl_params_get(p, i)), *after_head = test_download(geocl_params_get(p, h));
  size_t ne = (size_t)geocl_numel(geocl_params_get(p, i)), nh = (size_t)geocl_numel(geocl_params_get(p, h));
  ck_assert(!memcmp(before_enc, after_enc, ne * sizeof(float)));
  ck_assert(memcmp(before_head, after_head, nh * sizeof(float)));
  free(before_enc);
  free(after_enc);
  free(before_head);
  free(after_head);
  geocl_optim_free(opt);
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

/* A head checkpoint records its backbone and loads back as the same model. */
START_TEST(head_checkpoints_round_trip) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = head_model(ctx, "enc.1", NULL, 0);
  char path[4200];
  snprintf(path, sizeof path, "%s/heads-head.safetensors", test_tmpdir());
  ck_assert_ok(geocl_model_save(m, path, 0, NULL));
  geocl_weights_meta meta;
  ck_assert_ok(geocl_weights_info(path, &meta));
  ck_assert_str_eq(meta.task, "testhead");
  ck_assert_str_eq(meta.backbone, "croco");
  ck_assert_ptr_nonnull(strstr(meta.backbone_config_json, "\"enc_depth\":3"));
  geocl_weights_meta_free(&meta);
  geocl_model_opts mo = {.weights = path};
  geocl_model *again;
  ck_assert_ok(geocl_model_create(ctx, &mo, &again));
  geocl_params *a = geocl_model_params(m), *b = geocl_model_params(again);
  ck_assert_int_eq(geocl_params_count(a), geocl_params_count(b));
  for (int i = 0; i < geocl_params_count(a); i++) {
    ck_assert_str_eq(geocl_params_name(a, i), geocl_params_name(b, i));
    float *x = test_download(geocl_params_get(a, i)), *y = test_download(geocl_params_get(b, i));
    ck_assert(!memcmp(x, y, sizeof(float) * (size_t)geocl_numel(geocl_params_get(a, i))));
    free(x);
    free(y);
  }
  ck_assert_str_eq(geocl_config_str(geocl_model_config(again), "hook"), "enc.1");
  geocl_model_free(again);
  /* the plugin's host state goes with the weights */
  geocl_batch batch = {.size = 1, .training = true};
  ck_assert_ok(geocl_batch_set(&batch, "image1", random_images(ctx, 1, 4)));
  geocl_outputs out;
  for (int i = 0; i < 2; i++) ck_assert_ok(geocl_model_forward(m, &batch, &out));
  ck_assert_ok(geocl_model_save(m, path, 0, NULL));
  ck_assert_ok(geocl_model_create(ctx, &mo, &again));
  ck_assert_ok(geocl_model_forward(again, &batch, &out));
  float forwards;
  ck_assert_ok(geocl_item(geocl_outputs_get(&out, "forwards"), &forwards));
  ck_assert_float_eq(forwards, 3.0f);
  geocl_model_free(again);
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

/* Evaluation over a loader: every batch once, in eval mode. */
START_TEST(evaluation_runs_the_plugin_metrics) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = head_model(ctx, "enc.0", NULL, 0);
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/heads-synth", test_tmpdir());
  geocl_synth_options syn;
  geocl_synth_options_default(&syn);
  syn.out_dir = dir;
  syn.frames = 6;
  syn.width = syn.height = 40;
  syn.overwrite = 1;
  geocl_synth_summary sum;
  ck_assert_ok(geocl_synth_write(&syn, &sum));
  geocl_loader_config lc;
  geocl_loader_config_default(&lc);
  ck_assert_ok(geocl_model_data_spec(m, true, &lc.spec, &lc.pipeline));
  geocl_source_opts so;
  geocl_source_opts_default(&so);
  so.needs = lc.spec.fields;
  geocl_data_source *src;
  ck_assert_ok(geocl_data_source_open(dir, &so, &src));
  /* the synthetic pairs lack depth: refused when the loader opens */
  geocl_data_source *pairs;
  ck_assert_ok(geocl_data_source_open("synthetic", &so, &pairs));
  lc.source = pairs;
  geocl_loader *l;
  ck_assert_int_eq(geocl_loader_open(&lc, &l), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "needs depth, valid"));
  geocl_data_source_close(pairs);
  lc.spec.augment = false;
  lc.source = src;
  lc.batch_size = 2;
  lc.shuffle = false;
  ck_assert_ok(geocl_loader_open(&lc, &l));
  geocl_metrics r;
  ck_assert_ok(geocl_model_evaluate(m, l, 0, &r));
  int64_t n = geocl_data_source_size(src), batches = (n + 1) / 2;
  ck_assert_double_eq_tol(geocl_metrics_value(&r, "samples") * (double)batches, (double)n, 1e-9); /* every pair once */
  ck_assert(isfinite(geocl_metrics_value(&r, "loss")));
  geocl_loader_close(l);
  geocl_data_source_close(src);
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  const char *top = getenv("GEOCL_TOP_BUILDDIR");
  char path[8400];
  snprintf(path, sizeof path, "%s/tests/plugins/.libs:%s/plugins/.libs", top ? top : ".", top ? top : ".");
  setenv("GEOCL_PLUGIN_PATH", path, 1);
  Suite *s = suite_create("heads");
  TCase *tc = tcase_create("heads");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, encoder_features_match_the_pretext_encoder);
  tcase_add_test(tc, binocular_backbone_returns_decoder_blocks);
  tcase_add_test(tc, errors_before_any_step);
  tcase_add_test(tc, rules_freeze_and_scale);
  tcase_add_test(tc, head_checkpoints_round_trip);
  tcase_add_test(tc, evaluation_runs_the_plugin_metrics);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
