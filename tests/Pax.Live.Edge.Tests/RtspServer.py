# An RTSP camera for the edge tests: GStreamer's RTSP server (Debian: python3-gi, gir1.2-gst-rtsp-server-1.0,
# gstreamer1.0-plugins-base/-good/-ugly) serving a moving test pattern as H.264 on 127.0.0.1.
# Usage: python3 RtspServer.py PORT [USER PASSWORD]; prints "ready" once it listens. The stream is rtsp://127.0.0.1:PORT/cam
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port = sys.argv[1]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! rtph264pay name=pay0 pt=96 )"
)
factory.set_shared(True)
if len(sys.argv) >= 4:
    user, password = sys.argv[2], sys.argv[3]
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", user)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    factory.add_role_from_structure(
        Gst.Structure.new_from_string(f"{user}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")
    )
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    print("cannot listen on port " + port, flush=True)
    sys.exit(1)
print("ready", flush=True)
GLib.MainLoop().run()
