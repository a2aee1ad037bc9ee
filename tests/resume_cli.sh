#!/bin/sh
# SPDX-License-Identifier: MIT
# Finished runs: resuming one says there is nothing to do; --resume D --steps N
# extends it on the schedule of an N-step run (its learning rates from the
# old end on are a straight N-step run's); --recompute changes nothing but
# memory, with or without --resume; a new run that fails before its first
# checkpoint leaves nothing that blocks the same --out.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/resume_cli"
rm -rf "$dir" && mkdir -p "$dir"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
run() { "$cli" pretrain --device reference --batch 2 --log-every 1 --synthetic-pairs 16 --quiet "$@" $tiny; }
lrs() { grep -o '"lr": [0-9.e+-]*' "$1" | sed -n "$2p"; }

run --steps 40 --warmup 2 --out "$dir/short" >/dev/null || fail "short run"
"$cli" pretrain --device reference --resume "$dir/short" >"$dir/again" 2>&1 || fail "resuming a finished run: $(cat "$dir/again")"
grep -q "^nothing to do: $dir/short is at step 40 of 40; extend it with --resume $dir/short --steps N$" "$dir/again" ||
  fail "finished run: $(cat "$dir/again")"
grep -q "loss 0.0000" "$dir/again" && fail "a finished run printed a zero loss"
"$cli" pretrain --device reference --resume "$dir/short" --steps 60 --quiet >"$dir/ext" 2>&1 ||
  fail "extending: $(cat "$dir/ext")"
[ "$(grep -c '"step"' "$dir/short/metrics.jsonl")" -eq 60 ] || fail "the extended run has not 60 logged steps"
grep -q '"steps": 60' "$dir/short/config.json" || fail "config.json does not record 60 steps"
run --steps 60 --warmup 2 --out "$dir/long" >/dev/null || fail "long run"
# the same warm-up in both (an extension keeps the recorded one); from step 41 on the lr is the 60-step schedule's
[ "$(lrs "$dir/short/metrics.jsonl" 41,60)" = "$(lrs "$dir/long/metrics.jsonl" 41,60)" ] ||
  fail "extended lr differs from a 60-step run's: $(lrs "$dir/short/metrics.jsonl" 41,42) vs $(lrs "$dir/long/metrics.jsonl" 41,42)"
[ "$(lrs "$dir/short/metrics.jsonl" 20)" != "$(lrs "$dir/long/metrics.jsonl" 20)" ] ||
  fail "the first 40 steps followed the 60-step schedule: the comparison cannot tell"
"$cli" pretrain --device reference --resume "$dir/short" --steps 50 2>"$dir/err" >/dev/null && fail "cutting a run"
grep -q "is at step 60 already (a run is extended, never cut)" "$dir/err" || fail "cutting: $(cat "$dir/err")"
check_usage pretrain "--steps 0: a run makes at least one step" --steps 0 --out "$dir/x"
check_usage pretrain "--steps (to extend it)" --resume "$dir/short" --batch 4

# --recompute (also given to a resumed run): the weights of the same run without it, bit for bit
run --steps 4 --warmup 1 --out "$dir/kept" >/dev/null || fail "run without --recompute"
run --steps 4 --warmup 1 --stop-at 2 --recompute --out "$dir/recomputed" >/dev/null || fail "run with --recompute"
"$cli" pretrain --device reference --resume "$dir/recomputed" --recompute --quiet >"$dir/err" 2>&1 ||
  fail "resuming with --recompute: $(cat "$dir/err")"
cmp -s "$dir/kept/last.safetensors" "$dir/recomputed/last.safetensors" || fail "--recompute changed the weights"
# CroCo's blocks do recompute: no note saying it changes nothing (a run that shows its notes)
"$cli" pretrain --device reference --batch 2 --synthetic-pairs 16 --steps 1 --recompute --out "$dir/noted" $tiny \
  >"$dir/out" 2>&1 || fail "run with --recompute, notes shown: $(cat "$dir/out")"
grep -q "starting croco run" "$dir/out" || fail "no notes shown: $(cat "$dir/out")"
grep -q -- "--recompute changes nothing" "$dir/out" && fail "CroCo's blocks recompute, yet: $(cat "$dir/out")"

# a start that fails at its first batch (an image that is not one) leaves nothing behind
mkdir -p "$dir/data"
"$cli" synth --out "$dir/syn" --frames 2 --size 32x32 --quiet >/dev/null || fail "synth"
cp "$dir/syn/sequences/00/image_2/000000.png" "$dir/data/a.png"
echo "not an image" >"$dir/data/b.png"
printf 'a.png b.png\na.png a.png\n' >"$dir/data/pairs.txt"
run --steps 2 --data "$dir/data" --out "$dir/failed" >/dev/null 2>"$dir/err" && fail "a run on a bad image succeeded"
grep -q "b.png: not a PNG or JPEG file" "$dir/err" || fail "bad image: $(cat "$dir/err")"
[ ! -e "$dir/failed" ] || fail "a failed start left $(ls "$dir/failed")"
mkdir -p "$dir/mine" && : >"$dir/mine/notes.txt"
run --steps 2 --data "$dir/data" --out "$dir/mine" >/dev/null 2>&1 && fail "a run on a bad image succeeded"
[ "$(ls "$dir/mine")" = notes.txt ] || fail "a failed start in the user's directory left: $(ls "$dir/mine")"
printf 'a.png a.png\na.png a.png\n' >"$dir/data/pairs.txt"
run --steps 2 --data "$dir/data" --out "$dir/failed" >/dev/null || fail "the same --out after fixing the data"
echo ok
