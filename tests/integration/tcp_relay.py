#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A TCP relay in front of PostgreSQL's Unix socket that can play a server
which stops answering (tests/integration/test_stall.sh).

    tcp_relay.py --unix PATH --port-file FILE --control FILE [--log FILE]

Listens on 127.0.0.1 (a port the kernel picks, written to --port-file once
it listens) and relays each connection to the Unix socket PATH. What it does
is read from --control at every event; a missing or empty file is "normal":

  normal  relay both ways.
  stall   relay the login (SSL/GSS negotiation, startup, authentication)
          until the server's ReadyForQuery ('Z'), then relay nothing more in
          either direction: what the client sends is read and dropped (as a
          hung server's kernel still acknowledges it), nothing comes back,
          and the socket stays open until the client closes it. A cancel
          request is held the same way (a server that answers nothing takes
          no cancel either).
  hang    accept, and relay nothing at all: the login never completes.

Each event is a line in --log, after the time: "accept N", "login N"
(its ReadyForQuery went by), "hold N" (relaying stopped), "held-cancel N",
"close N by client after S s (stalled)". Python standard library only.
"""
import argparse
import os
import selectors
import signal
import socket
import struct
import sys
import time

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


def read_mode(path):
    try:
        with open(path) as f:
            mode = f.read().strip()
    except OSError:
        return "normal"
    return mode or "normal"


class Relay:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.log_file = open(args.log, "a", buffering=1) if args.log else None
        self.count = 0
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.listener.setblocking(False)
        self.sel.register(self.listener, selectors.EVENT_READ, None)
        port = self.listener.getsockname()[1]
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)

    def log(self, line):
        if self.log_file:
            self.log_file.write("%.3f %s\n" % (time.time(), line))

    def mode(self):
        return read_mode(self.args.control)

    def run(self):
        while True:
            for key, _ in self.sel.select():
                if key.data is None:
                    self.accept()
                else:
                    conn, side = key.data
                    conn.readable(side)

    def accept(self):
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        self.count += 1
        Connection(self, sock, self.count)


class Connection:
    """One client and, unless the relay hangs, its upstream server socket."""

    def __init__(self, relay, client, number):
        self.relay = relay
        self.number = number
        self.client = client
        self.server = None
        self.t0 = time.monotonic()
        self.c2s_buf = b""       # the client's first packets, until startup
        self.started = False     # the startup (or cancel) packet went by
        self.cancel = False
        self.pending_single = 0  # one-byte answers to SSL/GSS requests due
        self.s2c_hdr = b""
        self.s2c_type = None
        self.s2c_left = 0
        self.logged_in = False
        self.stalled = False
        relay.log("accept %d" % number)
        client.setblocking(False)
        relay.sel.register(client, selectors.EVENT_READ, (self, "client"))
        if relay.mode() != "hang":
            try:
                self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.server.connect(relay.args.unix)
            except OSError as e:
                relay.log("upstream %d: %s" % (number, e))
                self.close("upstream failure")
                return
            relay.sel.register(self.server, selectors.EVENT_READ, (self, "server"))

    def forwarding(self):
        """Whether bytes may go across now (the login is always relayed in
        stall mode; after it, nothing)."""
        mode = self.relay.mode()
        if mode == "normal":
            return True
        if mode == "stall" and not self.cancel and not self.logged_in:
            return True
        if not self.stalled:
            self.stalled = True
            self.relay.log(("held-cancel %d" if self.cancel else "hold %d") % self.number)
        return False

    def readable(self, side):
        sock = self.client if side == "client" else self.server
        if sock is None:
            return      # closed by an earlier event of the same round
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            if side == "server" and self.stalled:
                # A stalled server says nothing, not even goodbye.
                self.relay.sel.unregister(self.server)
                self.server.close()
                self.server = None
                return
            self.close("by " + side)
            return
        if side == "client":
            self.from_client(data)
        else:
            self.from_server(data)

    def send(self, sock, data):
        if sock is None or not data:
            return
        try:
            sock.settimeout(5)
            sock.sendall(data)
            sock.setblocking(False)
        except OSError:
            self.close("send failure")

    def from_client(self, data):
        if not self.started:
            # Untyped packets (int32 length, int32 code): SSL/GSS requests,
            # then the startup or cancel packet.
            self.c2s_buf += data
            out = b""
            while not self.started and len(self.c2s_buf) >= 8:
                length, code = struct.unpack("!II", self.c2s_buf[:8])
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    if len(self.c2s_buf) < length:
                        break
                    self.pending_single += 1
                    out += self.c2s_buf[:length]
                    self.c2s_buf = self.c2s_buf[length:]
                    continue
                self.started = True
                self.cancel = code == CANCEL_REQUEST
            if not self.started:
                if self.forwarding():
                    self.send(self.server, out)
                return
            data, self.c2s_buf = out + self.c2s_buf, b""
        if self.forwarding():
            self.send(self.server, data)

    def from_server(self, data):
        login = self.scan_login(data)
        if login:
            if self.relay.mode() == "hang":
                return
            self.send(self.client, data[:login])
            if self.logged_in:
                self.relay.log("login %d" % self.number)
            data = data[login:]
        if data and self.forwarding():
            self.send(self.client, data)

    def scan_login(self, data):
        """How many bytes of data belong to the login, up to and with the
        server's first ReadyForQuery."""
        i = 0
        while i < len(data) and not self.logged_in:
            if self.s2c_left:
                take = min(self.s2c_left, len(data) - i)
                i += take
                self.s2c_left -= take
                if not self.s2c_left and self.s2c_type == b"Z":
                    self.logged_in = True
                continue
            if self.pending_single and not self.s2c_hdr:
                self.pending_single -= 1   # 'N': no SSL, no GSS encryption
                i += 1
                continue
            self.s2c_hdr += data[i:i + 1]
            i += 1
            if len(self.s2c_hdr) == 5:
                self.s2c_type = self.s2c_hdr[:1]
                self.s2c_left = struct.unpack("!I", self.s2c_hdr[1:])[0] - 4
                self.s2c_hdr = b""
        return i

    def close(self, why):
        for sock in (self.client, self.server):
            if sock is None:
                continue
            try:
                self.relay.sel.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        if self.client is not None:
            self.relay.log("close %d %s after %.3f s%s" % (
                self.number, why, time.monotonic() - self.t0,
                " (stalled)" if self.stalled else ""))
        self.client = self.server = None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--unix", required=True, help="PostgreSQL's Unix socket")
    p.add_argument("--port-file", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--log")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Relay(args).run()


if __name__ == "__main__":
    main()
