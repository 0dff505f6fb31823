#!/bin/sh
# Re-makes the XCF samples used by tests/unit/test_xcf.c.
# Needs: GIMP 2.10 (gimp-console, run headless in batch mode).
#   two.xcf      100x70 RGB, two RGBA layers (one smaller, offset and 80%
#                opaque), RLE tiles
#   masked.xcf   200x150 RGB: a layer with a layer mask (two tile rows and
#                columns, dummy levels), a selection channel, a guide
#   gray.xcf     90x64 grayscale with one layer and a text-less parasite
# GIMP 2.10 writes version 11 (64-bit pointers); tests/unit/test_xcf.c
# builds a version 1 file with 32-bit pointers itself.
set -eu
cd "$(dirname "$0")"
out=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.xcf
export HOME="$tmp"

gimp-console -i -d -f -b "
(let* ((img (car (gimp-image-new 100 70 RGB)))
       (bg (car (gimp-layer-new img 100 70 RGBA-IMAGE \"background\" 100 LAYER-MODE-NORMAL)))
       (top (car (gimp-layer-new img 40 30 RGBA-IMAGE \"top\" 80 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img bg 0 0)
  (gimp-context-set-foreground (list 200 40 40))
  (gimp-drawable-fill bg FILL-FOREGROUND)
  (gimp-image-insert-layer img top 0 0)
  (gimp-layer-set-offsets top 10 20)
  (gimp-drawable-fill top FILL-WHITE)
  (gimp-file-save RUN-NONINTERACTIVE img bg \"$out/two.xcf\" \"two.xcf\")
  (gimp-image-delete img))
(let* ((img (car (gimp-image-new 200 150 RGB)))
       (l (car (gimp-layer-new img 200 150 RGB-IMAGE \"photo\" 100 LAYER-MODE-NORMAL)))
       (mask 0)
       (ch (car (gimp-channel-new img 200 150 \"selection copy\" 50 (list 0 0 255)))))
  (gimp-image-insert-layer img l 0 0)
  (gimp-context-set-foreground (list 30 120 200))
  (gimp-drawable-fill l FILL-FOREGROUND)
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 20 20 120 90)
  (set! mask (car (gimp-layer-create-mask l ADD-MASK-SELECTION)))
  (gimp-layer-add-mask l mask)
  (gimp-image-insert-channel img ch 0 0)
  (gimp-image-add-hguide img 75)
  (gimp-file-save RUN-NONINTERACTIVE img l \"$out/masked.xcf\" \"masked.xcf\")
  (gimp-image-delete img))
(let* ((img (car (gimp-image-new 90 64 GRAY)))
       (l (car (gimp-layer-new img 90 64 GRAY-IMAGE \"gray\" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img l 0 0)
  (gimp-drawable-fill l FILL-WHITE)
  (gimp-image-attach-parasite img (list \"dredge-note\" 1 \"sample\"))
  (gimp-file-save RUN-NONINTERACTIVE img l \"$out/gray.xcf\" \"gray.xcf\")
  (gimp-image-delete img))
(gimp-quit 0)" >/dev/null 2>&1
ls -l "$out"/*.xcf >/dev/null
