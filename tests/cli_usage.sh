#!/bin/sh
# SPDX-License-Identifier: MIT
# The command line's contract: bad arguments exit 2 with one line prefixed
# "geocl COMMAND:" (with "did you mean" for a typo), before any work; the
# uninstalled binary finds its build tree's modules; bench step times the
# preset's size; the first progress line shows no speed it cannot know yet.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/cli_usage"
rm -rf "$dir" && mkdir -p "$dir"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"

# unknown commands and options: one line, a guess, a pointer to --help
err="$dir/err"
"$cli" pretrian >/dev/null 2>"$err"; rc=$?
[ $rc -eq 2 ] || fail "unknown command: exit $rc"
[ "$(cat "$err")" = "geocl: unknown command 'pretrian'; did you mean 'pretrain'? (see 'geocl --help')" ] ||
  fail "unknown command: $(cat "$err")"
check_usage pretrain "unknown option '--stpes'; did you mean '--steps'? (see 'geocl pretrain --help')" --stpes 3
check_usage pretrain "option '--steps' needs a value" --steps
check_usage pretrain "option '--quiet' takes no value" --quiet=1
check_usage devices "unknown option '--jsno'; did you mean '--json'?" --jsno
check_usage bench "unknown option '--repaet'; did you mean '--repeat'?" step --repaet 2
check_usage pretrain "unknown option '--zzzzzz' (see 'geocl pretrain --help')" --zzzzzz
check_usage eval "unknown option '--jsno'; did you mean '--json'?" --jsno
check_usage infer "unknown option '--wieghts'; did you mean '--weights'?" --wieghts w
# a wrong task, preset or model option is a usage error before anything is made
check_usage pretrain "no plugin named 'crocco'" --task crocco --out "$dir/a"
check_usage pretrain "croco has no preset 'tinny'" --model tinny --out "$dir/b"
check_usage pretrain "croco option enc_depth=two: expected an integer" --out "$dir/c" enc_depth=two
check_usage finetune "no plugin named 'nohead'" --head nohead --data synthetic --out "$dir/d"
check_usage pretrain "--model small with --init w.safetensors: the model is the one the weights file records" \
  --init w.safetensors --model small --out "$dir/e"
for x in a b c d e; do [ ! -e "$dir/$x" ] || fail "a refused start left $dir/$x"; done
check_usage reconstruct "--out $dir/r.jpg: the picture is a PNG file" --weights w --image1 i --out "$dir/r.jpg"

# library messages carry the command's prefix too
GEOCL_LOG=debug "$cli" plugins >/dev/null 2>"$err"
grep -v '^geocl plugins: ' "$err" && fail "stderr lines without the 'geocl plugins: ' prefix"
grep -q '^geocl plugins: debug: ' "$err" || fail "no debug line: $(cat "$err")"

# the uninstalled binary finds the build tree's modules from anywhere
(cd / && env -u GEOCL_PLUGIN_PATH -u GEOCL_BACKEND_PATH "$cli" plugins) >"$dir/plugins" 2>&1 ||
  fail "geocl plugins outside the build tree: $(cat "$dir/plugins")"
grep -q '^croco ' "$dir/plugins" || fail "the build tree's plugins not found: $(cat "$dir/plugins")"
# a copy outside any build tree finds none, and says where it looked
exe="$GEOCL_TOP_BUILDDIR/src/cli/.libs/geocl"
if [ -x "$exe" ]; then
  cp "$exe" "$dir/geocl"
  env -u GEOCL_PLUGIN_PATH LD_LIBRARY_PATH="$GEOCL_TOP_BUILDDIR/src/.libs" "$dir/geocl" plugins >"$dir/none" 2>&1
  grep -q 'no plugin modules found; searched $GEOCL_PLUGIN_PATH (not set) and /' "$dir/none" ||
    fail "no word on where plugins were searched: $(cat "$dir/none")"
fi

# geocl devices: whole names, and (default) where $GEOCL_DEVICE points
"$cli" devices --json | sed -n 's/.*"name": "\([^"]*\)".*/\1/p' >"$dir/names"
"$cli" devices >"$dir/table"
while read -r name; do grep -qF -- "$name" "$dir/table" || fail "devices: '$name' cut: $(cat "$dir/table")"; done <"$dir/names"
GEOCL_DEVICE=reference "$cli" devices >"$dir/table"
[ "$(grep -c '(default)$' "$dir/table")" -eq 1 ] && grep -q '^-   reference .*(default)$' "$dir/table" ||
  fail "GEOCL_DEVICE=reference is not the one default: $(cat "$dir/table")"
GEOCL_DEVICE=nosuchdevice "$cli" devices >"$dir/table"
grep -q '(default)$' "$dir/table" && fail "GEOCL_DEVICE naming nothing still marks a default"
grep -q "GEOCL_DEVICE: no device matches 'nosuchdevice'" "$dir/table" || fail "no note on GEOCL_DEVICE: $(cat "$dir/table")"

# bench step measures at the preset's size (tiny trains at 128x128)
"$cli" bench step --device reference --model tiny --batch 1 --repeat 1 --warmup 0 --json >"$dir/bench" ||
  fail "bench step --model tiny"
grep -q '"img_size": \[128, 128\]' "$dir/bench" || fail "bench step --model tiny: $(cat "$dir/bench")"

# the first progress line (printed at once, as a slow device needs) has no speed yet; later ones do
"$cli" pretrain --device reference --steps 3 --batch 2 --log-every 2 --synthetic-pairs 8 --out "$dir/run" $tiny \
  >"$dir/run.out" 2>&1 || fail "pretrain: $(cat "$dir/run.out")"
grep -q '^step 1/3  epoch [0-9.]*  loss [0-9.]*  lr [0-9.e-]*  [0-9]*s elapsed$' "$dir/run.out" ||
  fail "first progress line: $(cat "$dir/run.out")"
grep -q '^step 2/3 .* pairs/s .* ETA ' "$dir/run.out" || fail "second progress line: $(cat "$dir/run.out")"
grep -q ' 0\.0 pairs/s' "$dir/run.out" && fail "a 0.0 pairs/s line: $(cat "$dir/run.out")"
# the last validation's loss on later progress lines (not in metrics.jsonl's training lines), and a
# picture at the end of a run whose length recon-every does not divide
"$cli" pretrain --device reference --steps 5 --batch 2 --log-every 1 --synthetic-pairs 8 --val-data synthetic \
  --val-every 2 --val-batches 1 --recon-every 3 --out "$dir/val" $tiny >"$dir/val.out" 2>&1 || fail "pretrain --val-data"
grep -q '^step 2/5 .*val_loss' "$dir/val.out" && fail "val_loss before the first validation: $(cat "$dir/val.out")"
grep -q '^step 3/5  epoch [0-9.]*  loss [0-9.]*  val_loss [0-9.]* ' "$dir/val.out" ||
  fail "no val_loss after a validation: $(cat "$dir/val.out")"
grep -q val_loss "$dir/val/metrics.jsonl" && fail "val_loss logged in metrics.jsonl's training lines"
[ -s "$dir/val/recon-3.png" ] && [ -s "$dir/val/recon-5.png" ] && [ -s "$dir/val/recon-5-val.png" ] ||
  fail "pictures: $(ls "$dir/val")"
# --val-fraction: the last quarter of the 8 pairs held out (an epoch of the other 6 is 3 steps of 2),
# validated, kept on resume; refused with --val-data, at 1, and when it leaves nothing to train on
"$cli" pretrain --device reference --steps 3 --batch 2 --synthetic-pairs 8 --val-fraction 0.25 --out "$dir/vf" $tiny \
  >"$dir/vf.out" 2>&1 || fail "pretrain --val-fraction: $(cat "$dir/vf.out")"
grep -q '^validation: the last 2 samples of synthetic, training: the other 6 (--val-fraction 0.25)$' "$dir/vf.out" ||
  fail "--val-fraction split: $(cat "$dir/vf.out")"
grep -q '^step 3/3  epoch 1.000 ' "$dir/vf.out" || fail "--val-fraction: not 6 training pairs: $(cat "$dir/vf.out")"
grep -q '"val": {"loss"' "$dir/vf/metrics.jsonl" && [ -s "$dir/vf/recon-3-val.png" ] ||
  fail "--val-fraction: no validation: $(ls "$dir/vf"; cat "$dir/vf/metrics.jsonl")"
"$cli" pretrain --resume "$dir/vf" --steps 4 >"$dir/vf2.out" 2>&1 || fail "resume --val-fraction: $(cat "$dir/vf2.out")"
grep -q '^validation: the last 2 samples' "$dir/vf2.out" || fail "resume lost the split: $(cat "$dir/vf2.out")"
check_usage pretrain "--val-data synthetic and --val-fraction 0.25: give one of them" \
  --val-data synthetic --val-fraction 0.25 --out "$dir/vf3"
check_usage pretrain "--val-fraction 1: expected a number from 0 to 1 (exclusive)" --val-fraction 1 --out "$dir/vf3"
"$cli" pretrain --device reference --synthetic-pairs 8 --val-fraction 0.9 --out "$dir/vf3" $tiny >/dev/null 2>"$dir/vf3.err" &&
  fail "--val-fraction 0.9 of 8 samples was accepted"
grep -q -- "--val-fraction 0.9 of the 8 samples of synthetic leaves none to train on" "$dir/vf3.err" ||
  fail "--val-fraction 0.9: $(cat "$dir/vf3.err")"
[ ! -e "$dir/vf3" ] || fail "a refused --val-fraction left $dir/vf3"
echo ok
