#!/bin/sh
# SPDX-License-Identifier: MIT
# Data-parallel training over MPI (built with --with-mpi): two processes give
# the losses of one process with the same global batch (to reduction-order
# tolerance), repeat themselves bit for bit, resume from a checkpoint written
# by another number of processes; a process that fails stops the whole job
# with a line naming it, and one that dies ends the job: never a hang, and
# the last checkpoint resumes.
set -u
dir="$GEOCL_TEST_TMP/mpi_cli"
rm -rf "$dir" && mkdir -p "$dir"
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
mpirun="mpirun -np 2"
mpirun --version 2>&1 | grep -q "Open MPI" && mpirun="mpirun --allow-run-as-root --oversubscribe -np 2"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
common="--device reference --batch 4 --synthetic-pairs 16 --log-every 1 --quiet"
losses() { grep -o '"loss": [^,}]*' "$1" | cut -d' ' -f2; }

# the differentiable mean over ranks (what a synchronised batch norm uses)
timeout 120 $mpirun "$GEOCL_TOP_BUILDDIR/tests/dist_mean" || fail "geocl_dist_mean"

$cli pretrain $common --steps 6 --out "$dir/one" $tiny || fail "one process"
timeout 300 $mpirun $cli pretrain $common --steps 6 --out "$dir/two" $tiny || fail "two processes"
timeout 300 $mpirun $cli pretrain $common --steps 6 --out "$dir/again" $tiny || fail "two processes, again"
[ "$(losses "$dir/two/metrics.jsonl")" = "$(losses "$dir/again/metrics.jsonl")" ] ||
  fail "two runs on two processes differ"
losses "$dir/one/metrics.jsonl" > "$dir/one.loss"
losses "$dir/two/metrics.jsonl" > "$dir/two.loss"
worst=$(paste -d' ' "$dir/one.loss" "$dir/two.loss" |
  awk '{d = $1 - $2; if (d < 0) d = -d; r = d / $1; if (r > w) w = r} END {printf "%.3g", w}')
echo "np 1 vs np 2, 6 steps: worst relative loss difference $worst"
awk -v w="$worst" 'BEGIN {exit !(w != "" && w < 1e-5)}' || fail "np 2 losses differ from np 1 by $worst"

# a run of two processes resumed by one, and of one resumed by two
$mpirun $cli pretrain $common --steps 6 --stop-at 3 --out "$dir/split" $tiny || fail "stop-at on two processes"
$cli pretrain --resume "$dir/split" --device reference --quiet || fail "resume on one process"
[ "$(losses "$dir/split/metrics.jsonl" | wc -l)" -eq 6 ] || fail "the resumed run did not reach step 6"
$cli pretrain $common --steps 6 --stop-at 3 --out "$dir/split1" $tiny || fail "stop-at on one process"
timeout 300 $mpirun $cli pretrain --resume "$dir/split1" --device reference --quiet || fail "resume on two processes"
[ "$(losses "$dir/split1/metrics.jsonl" | sed -n 3p)" = "$(losses "$dir/one/metrics.jsonl" | sed -n 3p)" ] ||
  fail "the first three steps of the split run differ from the uninterrupted one"

# a batch that does not divide
out=$($mpirun $cli pretrain $common --batch 3 --steps 1 --out "$dir/odd" $tiny 2>&1) && fail "batch 3 on 2 processes ran"
echo "$out" | grep -q "does not divide by the 2 processes" || fail "batch 3: $out"

# one process fails (a corrupt image in its shard): every process stops, the line names it
mkdir -p "$dir/pairs"
$cli synth --out "$dir/synth" --frames 6 --size 40x40 --quiet || fail "synth"
cp "$dir"/synth/sequences/00/image_2/*.png "$dir/pairs/"
printf '\211PNG\r\n\032\nbroken' > "$dir/pairs/000005.png"
for i in 0 1 2 3 4 5; do printf '00000%d.png 00000%d.png\n' "$i" "$((5 - i))"; done > "$dir/pairs/pairs.txt"
out=$(timeout 300 $mpirun $cli pretrain --device reference --batch 2 --steps 20 --log-every 1 --quiet \
  --data "$dir/pairs" --out "$dir/fail" $tiny 2>&1)
status=$?
[ $status -ne 0 ] && [ $status -ne 124 ] || fail "a failing process: exit $status (124: hung): $out"
echo "$out" | grep -q "corrupt PNG" || fail "no message naming the file: $out"
echo "$out" | grep -q "stopping: rank [01] of 2 failed" || fail "the other rank does not name the failed one: $out"

# one process killed mid-run: the launcher ends the job; the last checkpoint resumes
timeout 300 $mpirun $cli pretrain $common --steps 100000 --save-every 2 --out "$dir/killed" $tiny > /dev/null 2>&1 &
job=$!
n=0
while [ ! -s "$dir/killed/last.safetensors" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
victim=$(pgrep -f "out $dir/killed" | while read -r p; do [ "$(cat /proc/"$p"/comm 2>/dev/null)" != mpirun ] && echo "$p"; done | tail -1)
[ -n "$victim" ] || fail "no rank process to kill"
kill -9 "$victim"
wait $job
status=$?
[ $status -ne 0 ] && [ $status -ne 124 ] || fail "after a rank was killed: exit $status (124: hung)"
# (--stop-at 1 is behind the checkpoint: the run loads model and optimizer, then stops at once)
$cli pretrain --resume "$dir/killed" --device reference --stop-at 1 --quiet > /dev/null ||
  fail "the last checkpoint of the killed job does not resume"
echo ok
