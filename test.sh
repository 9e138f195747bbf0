#!/usr/bin/env bash
# Runs every Pax.Live test. Installs what the tests need and the machine lacks (Debian packages) first.
# Ends with one line "N passed, N failed" and exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
# DocsExamplesTests run the README's curl commands as written.
command -v curl >/dev/null || missing+=(curl)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# The edge tests check passwords and QoS against a broker the device does not control.
[ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
# The edge agent reads RTSP through the ffmpeg program; the tests serve RTSP with GStreamer's RTSP server from
# Debian's python3 (videotestsrc: base, rtph264pay: good, x264enc: ugly).
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
# The sound tests make their tones, noise and music with sox and their Swedish and English speech with espeak-ng.
command -v sox >/dev/null || missing+=(sox)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
for pkg in python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# OpenCvSharp's native library links GTK 3; the edge tests' footage (vtest.avi) comes with opencv-doc.
dpkg -s libgtk-3-0 >/dev/null 2>&1 || missing+=(libgtk-3-0)
vtest=/usr/share/doc/opencv-doc/examples/data/vtest.avi
[ -f "$vtest" ] || missing+=(opencv-doc)
# The browser tests drive Debian's Chromium headless (Playwright never downloads a browser here).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The server's build bundles the web UI with npm, from ClientApp/package-lock.json (npm ci).
command -v npm >/dev/null || missing+=(nodejs npm)
# The edge's build converts its people detector (NanoDet, npm package pinned in edge/Pax.Live.Edge/Models/nanodet.lock)
# to ONNX with Debian's python3-onnx and python3-numpy.
for pkg in python3-onnx python3-numpy; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -f "$vtest" ]; then
  # Slim images exclude /usr/share/doc from every package (dpkg path-exclude): the footage is then never unpacked.
  echo "$vtest is missing although opencv-doc is installed: remove the /usr/share/doc path-exclude in /etc/dpkg/dpkg.cfg.d and reinstall opencv-doc." >&2
  exit 1
fi

dotnet build Pax.Live.sln -c Release -nologo -clp:ErrorsOnly

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# The test projects run side by side; the test that kills a node of three and times its clients runs alone after
# them, so that its 2 s bound measures the cluster, not a machine shared with every other test.
dotnet test Pax.Live.sln -c Release --no-build -nologo --filter "Category!=Alone" 2>&1 | tee "$log" || status=$?
dotnet test tests/Pax.Live.Server.Tests -c Release --no-build -nologo --filter "Category=Alone" 2>&1 | tee -a "$log" || status=$?

# dotnet test prints one summary per test project: "Passed!  - Failed: 0, Passed: 42, Skipped: 0, ...".
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- Failed:/ {
    gsub(/,/, "");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1);
      if ($i == "Passed:") p += $(i+1);
      if ($i == "Skipped:") s += $(i+1);
    }
  }
  END { print p+0, f+0, s+0 }' "$log")
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
