#!/usr/bin/env python3
"""The fault-matrix rig's small servers, Python 3 standard library only.

Each role runs in the foreground until killed (faultlab.sh starts it in the right network
namespace, in the background, with a pid file):

  http ADDR:PORT... [--body TEXT]        connectivity endpoint: every GET answers 200 with TEXT
  tcp ADDR:PORT...                       a listener that accepts and closes (vendor sites, baselines)
  tls ADDR:PORT CERT KEY [--http BODY]   TLS listener; with --http it answers HTTP requests (200 BODY)
  portal ADDR:PORT (page|redirect)       captive portal: a login page, or a 302 to the login page
  proxy ADDR:PORT                        HTTP proxy (absolute-URI requests and CONNECT)
  delay DEV MS                           a tun device that holds every packet MS milliseconds
  servfail ADDR:PORT                     a broken DNS server: every query answered SERVFAIL (UDP)
"""

import fcntl
import heapq
import os
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time


def addr(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64


def read_request(sock):
    """Reads one HTTP request head (bounded); returns (method, target, headers text)."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    first = head.split("\r\n", 1)[0].split(" ")
    if len(first) < 2:
        return None, None, head
    return first[0], first[1], head


def respond(sock, status, body, extra=""):
    body = body.encode() if isinstance(body, str) else body
    sock.sendall(
        (
            f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
        ).encode()
        + body
    )


def serve_forever(servers):
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def role_http(args):
    body = "Rig Connect Test"
    if "--body" in args:
        i = args.index("--body")
        body = args[i + 1]
        args = args[:i] + args[i + 2 :]

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                method, _, _ = read_request(self.request)
                if method:
                    respond(self.request, "200 OK", body)
            except OSError:
                pass

    serve_forever([Server(addr(a), H) for a in args])


def role_tcp(args):
    class H(socketserver.BaseRequestHandler):
        def handle(self):
            pass

    serve_forever([Server(addr(a), H) for a in args])


def role_tls(args):
    body = None
    if "--http" in args:
        i = args.index("--http")
        body = args[i + 1]
        args = args[:i] + args[i + 2 :]
    where, cert, key = args
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                self.request.settimeout(5)
                tls = ctx.wrap_socket(self.request, server_side=True)
                if body is not None:
                    method, _, _ = read_request(tls)
                    if method:
                        respond(tls, "200 OK", body)
                else:
                    tls.settimeout(2)
                    try:
                        tls.recv(1)
                    except OSError:
                        pass
                tls.close()
            except (OSError, ssl.SSLError):
                pass

    serve_forever([Server(addr(where), H)])


PORTAL_PAGE = (
    "<!doctype html><html><head><title>Hotspot login</title></head><body>"
    "<h1>Welcome to RigNet guest Wi-Fi</h1><form method=post action=/login>"
    "<input name=room> <input type=password name=code> <button>Sign in</button>"
    "</form></body></html>"
)


def role_portal(args):
    where, mode = args

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                method, target, _ = read_request(self.request)
                if not method:
                    return
                if mode == "redirect" and not target.startswith("/login"):
                    respond(
                        self.request,
                        "302 Found",
                        "",
                        "Location: http://portal.rignet.example/login?continue=1\r\n",
                    )
                else:
                    respond(self.request, "200 OK", PORTAL_PAGE)
            except OSError:
                pass

    serve_forever([Server(addr(where), H)])


def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def role_proxy(args):
    (where,) = args

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            c = self.request
            try:
                c.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = c.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                head, rest = data.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                if method == "CONNECT":
                    host, port = addr(target)
                    up = socket.create_connection((host, port), timeout=5)
                    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if rest:
                        up.sendall(rest)
                else:
                    if not target.startswith("http://"):
                        respond(c, "400 Bad Request", "absolute URI expected")
                        return
                    hostport, _, path = target[len("http://") :].partition("/")
                    host, _, port = hostport.partition(":")
                    up = socket.create_connection((host, int(port or 80)), timeout=5)
                    kept = [
                        l
                        for l in lines[1:]
                        if not l.lower().startswith(("proxy-", "connection:"))
                    ]
                    req = "\r\n".join(
                        [f"{method} /{path} {version}"] + kept + ["Connection: close"]
                    )
                    up.sendall(req.encode("latin-1") + b"\r\n\r\n" + rest)
                c.settimeout(None)
                up.settimeout(None)
                t = threading.Thread(target=pipe, args=(up, c), daemon=True)
                t.start()
                pipe(c, up)
                t.join(30)
            except (OSError, ValueError):
                try:
                    respond(c, "502 Bad Gateway", "upstream unreachable")
                except OSError:
                    pass

    serve_forever([Server(addr(where), H)])


def role_delay(args):
    dev, ms = args[0], float(args[1]) / 1000.0
    fd = os.open("/dev/net/tun", os.O_RDWR)
    # TUNSETIFF with IFF_TUN | IFF_NO_PI
    fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", dev.encode(), 0x0001 | 0x1000))
    print("ready", flush=True)
    queue = []
    seq = 0
    while True:
        wait = None
        if queue:
            wait = max(0.0, queue[0][0] - time.monotonic())
        r, _, _ = select.select([fd], [], [], wait)
        if r:
            for _ in range(64):
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                heapq.heappush(queue, (time.monotonic() + ms, seq, pkt))
                seq += 1
                r2, _, _ = select.select([fd], [], [], 0)
                if not r2:
                    break
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, pkt = heapq.heappop(queue)
            try:
                os.write(fd, pkt)
            except OSError:
                pass


def role_servfail(args):
    (where,) = args
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(addr(where))
    while True:
        data, peer = sock.recvfrom(4096)
        if len(data) < 12:
            continue
        # The question echoed back, QR and RA set, RD kept, RCODE 2 (SERVFAIL).
        flags = 0x8000 | (data[2] << 8 & 0x0100) | 0x0080 | 2
        sock.sendto(data[:2] + struct.pack(">H", flags) + data[4:], peer)


ROLES = {
    "http": role_http,
    "tcp": role_tcp,
    "tls": role_tls,
    "portal": role_portal,
    "proxy": role_proxy,
    "delay": role_delay,
    "servfail": role_servfail,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ROLES:
        sys.exit(__doc__)
    ROLES[sys.argv[1]](sys.argv[2:])
