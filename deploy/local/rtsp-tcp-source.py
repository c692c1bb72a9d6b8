#!/usr/bin/python3
"""A live camera on loopback that speaks RTSP over TCP only (interleaved), as many NVRs and cameras behind NAT do:
GStreamer's RTSP server (Debian's gir1.2-gst-rtsp-server-1.0) serving a Matroska file of JPEG frames as RTP/JPEG,
refusing UDP transport. The npm RTSP server of rtsp-source.ts is the UDP-only counterpart.

  /usr/bin/python3 deploy/local/rtsp-tcp-source.py --file clip.mkv --port 25401 [--path /cam]

Make the file with ffmpeg (RTP/JPEG receivers assume the standard Huffman tables):
  ffmpeg -stream_loop 11 -i clip.mp4 -an -vf fps=10,format=yuvj420p -c:v mjpeg -q:v 4 -huffman default clip.mkv
Prints one line `ready <url>` once it listens. The file plays once per session, at its own rate.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/cam")
    a = p.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f'( filesrc location="{a.file}" ! matroskademux ! jpegparse ! rtpjpegpay name=pay0 pt=26 )')
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    factory.set_shared(True)
    server.get_mount_points().add_factory(a.path, factory)
    if server.attach(None) == 0:
        sys.exit(f"rtsp-tcp-source: cannot listen on {a.port}")
    print(f"ready rtsp://127.0.0.1:{a.port}{a.path}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
