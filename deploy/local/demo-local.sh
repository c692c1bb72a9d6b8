#!/usr/bin/env bash
# The main job on the local machine: enrol the fixture people as a gallery, analyse the fixture scenes and the
# video, print the results and write annotated images and video to out/demo.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export ONNXRUNTIME_NODE_INSTALL=skip
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund --loglevel=error
command -v ffmpeg >/dev/null || bash deploy/local/install.sh
ASSETS=$(node -e 'console.log(require("path").resolve(process.argv[1], process.env.STORELENS_ASSETS || "../shared"))' "$ROOT")
FX="$ASSETS/fixtures"
OUT="$ROOT/out/demo"
GALLERY="$ROOT/tmp/demo-gallery"
rm -rf "$GALLERY" && mkdir -p "$OUT"
# One folder per person. obama3.jpg and biden.jpg are the two halves of scenes/two_people.jpg: kept out, so the
# scene is recognised from other photographs.
for person in "$FX"/faces/*/; do
  name=$(basename "$person"); mkdir -p "$GALLERY/$name"
  for f in "$person"*; do
    case "$(basename "$f")" in obama3.jpg|biden.jpg|*partial*) continue ;; esac
    ln -s "$f" "$GALLERY/$name/"
  done
done
echo "Gallery: $(ls "$GALLERY" | tr '\n' ' ')"
node_modules/.bin/tsx libs/cli/src/main.ts analyze "$FX/scenes" "$FX/video/hamilton_clip.mp4" \
  --gallery "$GALLERY" --fps 2 --annotate "$OUT"
echo
echo "Annotated images and video: $OUT"
ls -1 "$OUT"
