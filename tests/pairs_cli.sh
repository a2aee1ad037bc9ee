#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl pairs on geocl synth's KITTI layout, one sequence and a plain folder:
# listings whose paths resolve, co-visibility estimates that bound synth's own
# (counted with occlusions, at least 0.5 for every pair it lists), a listing
# pretrain trains on, and bad arguments refused.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/pairs_cli"
rm -rf "$dir" && mkdir -p "$dir"
"$cli" synth --out "$dir/syn" --sequences 2 --frames 12 --size 64x48 --quiet >/dev/null || fail "synth"

"$cli" pairs "$dir/syn" --out "$dir/syn/all.txt" --max-gap 8 --scores "$dir/scores.txt" >"$dir/out" ||
  fail "pairs: $(cat "$dir/out")"
# 2 sequences of 12 frames, gaps 1 to 8: 2 * (11 + 10 + ... + 4) = 120
grep -q "^wrote $dir/syn/all.txt: 120 pairs from 2 sequences, co-visibility estimate" "$dir/out" ||
  fail "pairs said: $(cat "$dir/out")"
[ "$(wc -l <"$dir/syn/all.txt")" -eq 120 ] || fail "all.txt has $(wc -l <"$dir/syn/all.txt") lines"
awk 'NR == FNR { s[$1 " " $2] = $3; next }
     !(($1 " " $2) in s) { print "synth pair not listed: " $0; bad = 1; next }
     s[$1 " " $2] < 0.5 { print "estimate " s[$1 " " $2] " below synth'"'"'s 0.5: " $0; bad = 1 }
     END { exit bad }' "$dir/scores.txt" "$dir/syn/pairs.txt" || fail "estimates against synth's pairs"
# filtering: fewer pairs, all at or above the threshold
"$cli" pairs "$dir/syn" --out "$dir/syn/close.txt" --max-gap 8 --min-covis 0.8 --scores "$dir/close.scores" \
  >"$dir/out" || fail "pairs --min-covis"
n=$(wc -l <"$dir/syn/close.txt")
[ "$n" -gt 0 ] && [ "$n" -lt 120 ] || fail "--min-covis 0.8 kept $n of 120"
awk '$3 < 0.8 { exit 1 }' "$dir/close.scores" || fail "--min-covis 0.8 kept a pair below it"

# one sequence (its poses.txt and calib.txt), default out, and a plain folder: paths resolve from the listing
"$cli" pairs "$dir/syn/sequences/01" >/dev/null || fail "pairs of one sequence"
mkdir -p "$dir/frames" && cp "$dir"/syn/sequences/00/image_2/00000[0-5].png "$dir/frames/"
"$cli" pairs "$dir/frames" --gap 2 --out "$dir/list/pairs.txt" >"$dir/out" 2>&1 && fail "an --out directory that does not exist"
mkdir -p "$dir/list" && "$cli" pairs "$dir/frames" --gap 2 --out "$dir/list/pairs.txt" >"$dir/out" ||
  fail "pairs of a folder: $(cat "$dir/out")"
grep -q "4 pairs from 1 sequence (no poses: no co-visibility estimate)" "$dir/out" || fail "folder: $(cat "$dir/out")"
[ "$(head -1 "$dir/list/pairs.txt")" = "../frames/000000.png ../frames/000002.png" ] ||
  fail "folder listing: $(head -1 "$dir/list/pairs.txt")"
for f in "$dir/syn/sequences/01/pairs.txt" "$dir/list/pairs.txt"; do
  d=$(dirname "$f")
  while read -r a b; do [ -f "$d/$a" ] && [ -f "$d/$b" ] || fail "$f: $a $b do not resolve"; done <"$f"
done
# the listing trains
"$cli" pretrain --device reference --data "$dir/list" --steps 2 --batch 2 --quiet --out "$dir/run" img_size=32 \
  patch_size=8 enc_embed_dim=32 enc_depth=1 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2 \
  >"$dir/out" 2>&1 || fail "pretrain on the listing: $(cat "$dir/out")"

check_usage pairs "already exists; --force replaces it" "$dir/frames" --out "$dir/list/pairs.txt"
check_usage pairs "--max-gap 1 is below --gap 2" "$dir/frames" --gap 2 --max-gap 1
check_usage pairs "--min-covis 2: expected a number from 0 to 1" "$dir/syn" --min-covis 2
check_usage pairs "name the images' source" --gap 2
mkdir -p "$dir/one" && cp "$dir/frames/000000.png" "$dir/one/"
"$cli" pairs "$dir/one" 2>"$dir/err" && fail "a folder of one image"
grep -q "^geocl pairs: .*one: 1 image(s) (PNG or JPEG); a pair needs two$" "$dir/err" || fail "one image: $(cat "$dir/err")"
echo ok
