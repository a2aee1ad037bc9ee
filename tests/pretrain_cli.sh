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
[ -s "$dir/run/last.safetensors" ] && [ -s "$dir/run/last.optim.safetensors" ] || fail "no checkpoint after SIGINT"
steps=$(wc -l < "$dir/run/metrics.jsonl")
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
expect 2 "expected a non-negative integer" --steps many --out "$dir/x7"
expect 1 "already holds a run" --out "$dir/run" --steps 1 $tiny
for x in x1 x2 x3 x4 x5 x6 x7; do [ ! -e "$dir/$x" ] || fail "a failed start left $dir/$x"; done
[ $fails -eq 0 ]
