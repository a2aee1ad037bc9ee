/* SPDX-License-Identifier: MIT */
/* Fuzz target: the files a resumed run reads besides its tensors.  The first
 * byte picks the file (mod 3: config.json, metrics.jsonl, last.safetensors),
 * the rest is its content.  Accepted settings must pass the command line's
 * range checks; truncated metrics must keep whole lines of steps up to the
 * checkpoint only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/train.h>

#include "fuzz_util.h"
#include <geocl/fileio.h>
#include "train/train_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fuzz_quiet();
  static const char *const names[3] = {"config.json", "metrics.jsonl", "last.safetensors"};
  int which = data[0] % 3;
  fuzz_file(names[which], data + 1, size - 1);
  const char *dir = fuzz_dir();
  if (which == 0) {
    geocl_train_opts o;
    geocl_train_opts_default(&o);
    const char *model_config = NULL, *backbone_config = NULL;
    void *storage = NULL;
    if (train_config_read(dir, &o, &model_config, &backbone_config, &storage) == GEOCL_OK) {
      if (geocl_train_opts_check(&o) != GEOCL_OK || !o.task || !o.data || !model_config) abort();
      geocl_param_rule *rules;
      int n_rules;
      if (train_rules(&o, &rules, &n_rules) == GEOCL_OK) train_rules_free(rules, n_rules);
    }
    train_config_free(storage);
  } else if (which == 1) {
    if (train_metrics_truncate(dir, 5) == GEOCL_OK) {
      char *path = train_path(dir, "metrics.jsonl"), *text;
      size_t n;
      if (!path || geocl_file_read_all(path, (size_t)1 << 30, &text, &n) != GEOCL_OK) abort();
      for (char *line = text; line < text + n;) { /* whole lines of steps 0 to 5 */
        char *nl = memchr(line, '\n', (size_t)(text + n - line));
        long long step;
        if (!nl) abort();
        *nl = '\0';
        if (sscanf(line, "{\"step\": %lld", &step) != 1 || step > 5) abort();
        line = nl + 1;
      }
      free(text);
      free(path);
    }
  } else {
    train_position pos;
    bool found;
    if (train_position_read(dir, &pos, &found) == GEOCL_OK && found &&
        (pos.step < 0 || pos.data.epoch < 0 || pos.data.index < 0))
      abort();
  }
  return 0;
}
