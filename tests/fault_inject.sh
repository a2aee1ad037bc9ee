#!/bin/sh
# SPDX-License-Identifier: MIT
# Kill -9 at every syscall boundary of a run's files, then finish the run:
# it must end with the files of an uninterrupted run, bit for bit.
#
# A short run (4 steps, checkpoints at 2 and 4) is traced once with strace;
# then, for each syscall from the creation of its run directory to its exit
# (mkdir, config.json, metrics lines, every open, write, fsync, close, rename
# and unlink of both checkpoints), the run is repeated with strace delivering
# SIGKILL on entry to that syscall (-e inject=SYSCALL:signal=KILL:when=N), and
# finished with --resume (or started again when it died before config.json
# existed).  Then twice over: a kill at each rename of the first run, and a
# second kill at each rename of the resume that follows.  Every case must end
# with the uninterrupted run's last.safetensors, step-4.safetensors,
# step-4.optim.safetensors and losses, and no other file.
set -u
dir="$GEOCL_TEST_TMP/fault_inject"
rm -rf "$dir" && mkdir -p "$dir"
geocl="$GEOCL_CLI"
tiny="img_size=16 patch_size=8 enc_embed_dim=8 enc_depth=1 enc_num_heads=2 dec_embed_dim=8 dec_depth=1 dec_num_heads=2"
calls=openat,creat,write,fsync,fdatasync,close,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,flock,ftruncate
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
  return 1
}

# LeakSanitizer cannot run under ptrace: off in a sanitizer build (no effect otherwise)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
command -v strace > /dev/null || { echo "SKIP: strace is not installed"; exit 77; }
strace -qq -o /dev/null true 2> /dev/null || { echo "SKIP: strace cannot trace here (ptrace not permitted)"; exit 77; }

start() { $geocl pretrain --device reference --steps 4 --save-every 2 --keep 1 --batch 2 --synthetic-pairs 8 \
  --log-every 1 --recon-every 0 --quiet --out "$1" $tiny < /dev/null 2>&1; }
resume() { $geocl pretrain --device reference --resume "$1" --quiet < /dev/null 2>&1; }
# the command with SIGKILL on entry to the N-th call of SYSCALL: killed INJECT-SYSCALL N COMMAND...
killed() {
  kill_call=$1 kill_n=$2
  shift 2
  strace -qq -o /dev/null -e trace="$kill_call" -e inject="$kill_call":signal=KILL:when="$kill_n" "$@" < /dev/null
}
losses() { sed 's/.*"loss": \([^,]*\),.*/\1/' "$1/metrics.jsonl"; }
# same_as_ref RUN CASE: the run's files are the uninterrupted run's
same_as_ref() {
  [ "$(ls "$1")" = "$(ls "$dir/ref")" ] || { fail "$2: files $(ls "$1" | tr '\n' ' ')"; return; }
  for f in last.safetensors step-4.safetensors step-4.optim.safetensors; do
    cmp -s "$dir/ref/$f" "$1/$f" || { fail "$2: $f differs"; return; }
  done
  [ "$(losses "$1")" = "$(losses "$dir/ref")" ] || fail "$2: losses differ"
}
# finish RUN CASE: resume the run, or start it again if it has no config.json
finish() {
  if [ -e "$1/config.json" ]; then out=$(resume "$1") || fail "$2: --resume failed: $out"
  else out=$(start "$1") || fail "$2: starting again failed: $out"; fi
}

strace -qq -o "$dir/trace" -e trace=$calls $geocl pretrain --device reference --steps 4 --save-every 2 --keep 1 \
  --batch 2 --synthetic-pairs 8 --log-every 1 --recon-every 0 --quiet --out "$dir/ref" $tiny > /dev/null ||
  { echo "FAIL: the traced run failed"; exit 1; }
# "NAME N" for every traced call from the run directory's creation on, N
# counting the calls of that name from the start of the process
grep -v '^[-+]' "$dir/trace" | sed 's/(.*//' | awk '{ n[$1]++; print $1, n[$1] }' > "$dir/calls"
first=$(grep -v '^[-+]' "$dir/trace" | grep -n -F "\"$dir/ref\"" | head -1 | cut -d: -f1)
[ -n "$first" ] || { echo "FAIL: the trace does not show the run directory being made"; exit 1; }
tail -n +"$first" "$dir/calls" > "$dir/window"
echo "$(wc -l < "$dir/window") kill points"

i=0
while read -r call n; do
  i=$((i + 1))
  run="$dir/k$i"
  killed "$call" "$n" $geocl pretrain --device reference --steps 4 --save-every 2 --keep 1 --batch 2 \
    --synthetic-pairs 8 --log-every 1 --recon-every 0 --quiet --out "$run" $tiny > /dev/null 2>&1 &&
    { fail "kill at $call #$n: the run was not killed"; continue; }
  finish "$run" "kill at $call #$n"
  same_as_ref "$run" "kill at $call #$n"
  rm -rf "$run"
done < "$dir/window"

# two kills: at a rename of the run, then at a rename of its resume
grep '^rename ' "$dir/window" | while read -r call n; do
  j=1
  while :; do
    run="$dir/r$n-$j"
    killed rename "$n" $geocl pretrain --device reference --steps 4 --save-every 2 --keep 1 --batch 2 \
      --synthetic-pairs 8 --log-every 1 --recon-every 0 --quiet --out "$run" $tiny > /dev/null 2>&1
    [ -e "$run/config.json" ] || { rm -rf "$run"; break; }
    # the resume's own renames: the first j-1 pass, the j-th is killed
    if killed rename "$j" $geocl pretrain --device reference --resume "$run" --quiet > /dev/null 2>&1; then
      rm -rf "$run"
      break # fewer than j renames: every one has been tried
    fi
    finish "$run" "kills at rename #$n and the resume's #$j"
    same_as_ref "$run" "kills at rename #$n and the resume's #$j" && echo "ok: kills at rename #$n and the resume's #$j"
    rm -rf "$run"
    j=$((j + 1))
  done
done > "$dir/double.out"
grep -c '^ok' "$dir/double.out" | sed 's/$/ double kills/'
! grep FAIL "$dir/double.out" || fails=$((fails + 1))
grep -q FAIL "$dir/double.out" && fails=$((fails + 1))

# a signal before the first step ends the command at once (exit by the
# signal, not after a step): here during a 3-second stall of its mkdir
strace -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_enter=3s $geocl pretrain --device reference --steps 4 \
  --batch 2 --synthetic-pairs 8 --quiet --out "$dir/early" $tiny < /dev/null > /dev/null 2>&1 &
tracer=$!
sleep 1
pid=$(cat /proc/$tracer/task/$tracer/children)
kill -TERM $pid
wait $tracer
status=$?
[ $status -eq 143 ] || fail "SIGTERM during start-up: exit status $status (wanted 143, death by the signal)"
[ ! -e "$dir/early/last.safetensors" ] || fail "SIGTERM during start-up: a step ran"

[ $fails -eq 0 ]
