#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl pretrain from the command line: Ctrl-C saves a checkpoint that
# resumes, and bad arguments give one clear line, a non-zero exit and no files.
set -u
dir="$GEOCL_TEST_TMP/pretrain_cli"
rm -rf "$dir" && mkdir -p "$dir"
geocl="$GEOCL_CLI"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# SIGINT during a long run: the step finishes, a checkpoint is saved, exit 130
$geocl pretrain --device reference --steps 100000 --batch 2 --synthetic-pairs 16 --log-every 1 --save-every 100000 \
  --out "$dir/run" $tiny > "$dir/run.out" 2>&1 &
pid=$!
n=0
while [ ! -s "$dir/run/metrics.jsonl" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
kill -INT $pid
wait $pid
status=$?
cat "$dir/run.out"
[ $status -eq 130 ] || fail "exit status $status after SIGINT (wanted 130)"
grep -q "interrupted" "$dir/run.out" || fail "no 'interrupted' summary"
steps=$(wc -l < "$dir/run/metrics.jsonl")
[ -s "$dir/run/last.safetensors" ] && [ -s "$dir/run/step-$steps.optim.safetensors" ] || fail "no checkpoint after SIGINT"
# the checkpoint resumes
$geocl pretrain --resume "$dir/run" --stop-at $((steps + 2)) --quiet > "$dir/resume.out" 2>&1 ||
  { cat "$dir/resume.out"; fail "resuming after SIGINT"; }
[ "$(wc -l < "$dir/run/metrics.jsonl")" -eq $((steps + 2)) ] || fail "resumed run did not log steps $((steps + 1))-$((steps + 2))"

# expect STATUS PATTERN ARGS...: bad arguments
expect() {
  want=$1 pattern=$2
  shift 2
  out=$($geocl pretrain "$@" 2>&1)
  status=$?
  if [ $status -ne "$want" ] || ! printf '%s\n' "$out" | grep -q -- "$pattern"; then
    fail "geocl pretrain $*: exit $status (wanted $want), output: $out"
  else
    echo "ok: $pattern"
  fi
}
expect 2 "no plugin named 'nosuch'" --task nosuch --out "$dir/x1"
expect 1 "$dir/missing" --data "$dir/missing" --out "$dir/x2" $tiny
mkdir -p "$dir/empty" && : > "$dir/empty/pairs.txt"
expect 1 "empty" --data "$dir/empty" --out "$dir/x3" $tiny
expect 2 "croco has no option 'depth'" --out "$dir/x4" depth=3
expect 2 "no preset 'huge'" --model huge --out "$dir/x5"
expect 2 "not both" --steps 5 --epochs 1 --out "$dir/x6"
expect 2 "only --device" --resume "$dir/run" --batch 4
expect 2 "expected a whole number" --steps many --out "$dir/x7"
expect 1 "already holds a run" --out "$dir/run" --steps 1 $tiny
# numbers parse into their own type and range: nothing is cut to 32 bits or wraps
expect 2 "--batch 4294967297: expected a whole number from 1 to 2147483647" --batch 4294967297 --out "$dir/x8"
expect 2 "--keep 4294967296: expected a whole number from 0 to 2147483647" --keep 4294967296 --out "$dir/x8"
expect 2 "--warmup 18446744073709551615: expected a whole number from -1 to 9223372036854775807" \
  --warmup 18446744073709551615 --out "$dir/x8"
expect 2 "--lr nan: expected a finite number >= 0" --lr nan --out "$dir/x8"
expect 2 "--log-every 0: expected a whole number from 1" --log-every 0 --out "$dir/x8"
expect 1 "--epochs 1e+300: 1e+300 epochs of 8 batches do not fit in 2^63 steps" --epochs 1e300 --batch 2 \
  --synthetic-pairs 16 --out "$dir/x8" $tiny
expect 1 "freq_loss_weight must be a finite number ≥ 0 and freq_loss_norm 1 or 2" --out "$dir/x8" $tiny \
  freq_loss_weight=1 freq_loss_norm=4294967298
expect 1 "pos_embed=RoPEinf: expected cosine or RoPE<base>" --out "$dir/x8" $tiny pos_embed=RoPEinf
expect 1 "pos_embed=RoPE1e400: expected" --out "$dir/x8" $tiny pos_embed=RoPE1e400
for x in x1 x2 x3 x4 x5 x6 x7 x8; do [ ! -e "$dir/$x" ] || fail "a failed start left $dir/$x"; done

run1() { $geocl pretrain --device reference --batch 2 --synthetic-pairs 16 --recon-every 0 --quiet "$@" $tiny; }

# a run directory named by more than 1023 characters is used whole, not cut
long="$dir"
for i in 1 2 3 4 5 6; do long="$long/$(printf 'd%.0s' $(seq 200))"; done
run1 --steps 1 --out "$long" > "$dir/long.out" 2>&1 || { cat "$dir/long.out"; fail "a long --out failed"; }
[ -s "$long/last.safetensors" ] || fail "no checkpoint in the long --out"
grep -q "checkpoint: $long/last.safetensors" "$dir/long.out" || fail "the summary does not name the long --out"

# --resume takes --log-every; a config.json that --log-every or --save-every
# 0 would divide by zero is refused like the command line
run1 --steps 4 --stop-at 2 --log-every 2 --out "$dir/logs" > /dev/null || fail "the --log-every run failed"
$geocl pretrain --device reference --resume "$dir/logs" --stop-at 4 --log-every 1 --quiet > /dev/null ||
  fail "resuming with --log-every 1"
[ "$(wc -l < "$dir/logs/metrics.jsonl")" -eq 3 ] || fail "--log-every 1 was ignored on --resume: $(cat "$dir/logs/metrics.jsonl")"
for key in log_every save_every; do
  sed "s/\"$key\": [0-9]*/\"$key\": 0/" "$dir/logs/config.json" > "$dir/config.edited" && cp "$dir/config.edited" "$dir/logs/config.json"
  expect 1 "config.json: train.$key 0: expected a whole number from 1" --resume "$dir/logs"
  sed "s/\"$key\": 0/\"$key\": 2/" "$dir/config.edited" > "$dir/logs/config.json"
done
sed 's/"batch": [0-9]*/"batch": 4294967297/' "$dir/logs/config.json" > "$dir/config.edited"
cp "$dir/config.edited" "$dir/logs/config.json"
expect 1 "config.json: train.batch 4294967297: expected a whole number from 1 to 2147483647" --resume "$dir/logs"
[ $fails -eq 0 ]
