"""A small TCP proxy in front of the scratch PostgreSQL, for fault tests
(issue 21): clients connect to 127.0.0.1:port and are relayed to the
server's Unix socket. It reads the client's side of the protocol just
enough to inject two faults:

- drop_commit(marker): the next COMMIT of a transaction that ran a
  statement containing marker is forwarded, the server given time to
  commit, and then both sides are closed: the commit lands, the client
  never hears so (a connection lost during COMMIT);
- stall(True): nothing more is relayed either way (a server that stops
  answering, its sockets still open), until stall(False).
"""
import socket
import struct
import threading
import time
import urllib.parse
import os

DEBUG = os.environ.get("PGPROXY_DEBUG")


class PgProxy:
    def __init__(self, pg_url):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(pg_url).query)
        self.upstream = f"{q['host'][0]}/.s.PGSQL.{q['port'][0]}"
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/execq"
        self.lock = threading.Lock()
        self.marker = None      # armed: drop at the COMMIT after a statement with this text
        self.dropped = 0
        self.stalled = threading.Event()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_commit(self, marker):
        with self.lock:
            self.marker = marker.encode()

    def stall(self, on):
        if on:
            self.stalled.set()
        else:
            self.stalled.clear()

    def close(self):
        self.listener.close()
        for c in list(self.conns):
            for s in c:
                try:
                    s.close()
                except OSError:
                    pass

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX)
            try:
                server.connect(self.upstream)
            except OSError:
                client.close()
                continue
            self.conns.append((client, server))
            mute = threading.Event()   # set: the server's answers are dropped
            threading.Thread(target=self._client_side, args=(client, server, mute), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, mute), daemon=True).start()

    def _wait_unstalled(self):
        while self.stalled.is_set():
            time.sleep(0.05)

    def _pump(self, src, dst, mute):
        try:
            while True:
                data = src.recv(65536)
                if not data or mute.is_set():
                    break
                self._wait_unstalled()
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @staticmethod
    def _read(sock, n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise OSError("closed")
            buf += chunk
        return buf

    def _client_side(self, client, server, mute):
        """Relays the client's messages one by one, watching for the fault."""
        stmts, flagged = {}, False
        try:
            while True:   # untyped start-up messages (SSLRequest, StartupMessage)
                head = self._read(client, 8)
                length, code = struct.unpack("!II", head)
                msg = head + self._read(client, length - 8)
                self._wait_unstalled()
                server.sendall(msg)
                if code not in (80877103, 80877104):   # SSL or GSSENC request: the start-up follows
                    break
            while True:
                head = self._read(client, 5)
                kind, length = head[:1], struct.unpack("!I", head[1:])[0]
                body = self._read(client, length - 4)
                with self.lock:
                    marker = self.marker
                if DEBUG:
                    print("pgproxy:", kind, body[:80], flagged, marker, flush=True)
                if kind == b"P":   # Parse: statement name, query text
                    name, rest = body.split(b"\0", 1)
                    stmts[name] = rest.split(b"\0", 1)[0]
                    flagged = flagged or (marker is not None and marker in stmts[name])
                elif kind == b"B":   # Bind: portal, statement name
                    name = body.split(b"\0", 2)[1]
                    flagged = flagged or (marker is not None and marker in stmts.get(name, b""))
                elif kind == b"Q":
                    sql = body.rstrip(b"\0").strip().upper()
                    if sql.startswith(b"BEGIN"):
                        flagged = False
                    elif sql.startswith(b"COMMIT") and flagged and marker is not None:
                        with self.lock:
                            self.marker = None
                            self.dropped += 1
                        mute.set()   # the server commits; its answer is never relayed
                        server.sendall(head + body)
                        time.sleep(0.5)
                        raise OSError("dropped at COMMIT")
                self._wait_unstalled()
                server.sendall(head + body)
        except OSError:
            pass
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
