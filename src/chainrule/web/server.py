"""The playgrounds' local web server: static pages and the JSON API, on the standard library only.

    server = make_server("127.0.0.1", 8000)
    server.serve_forever()

Safety: binds 127.0.0.1 unless told otherwise; answers only requests whose Host header names an
allowed host (DNS rebinding); refuses writes (POST) from another origin, without a JSON content type, or
marked cross-site by the browser; bounds body size; never evaluates request text.

Load: a thread per connection, at most MAX_CONNECTIONS of them (more are answered 503); a listen backlog
of LISTEN_BACKLOG; a deadline per request (REQUEST_TIMEOUT from its first byte to its last, however
slowly the bytes trickle in), a keep-alive timeout between requests, and idle keep-alive connections
closed to make room when all slots are taken. Read-only routes never wait for the engine lock
(docs/performance.md: the load test and why this stays on http.server).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from chainrule.web import api

MAX_BODY = 4 * 1024 * 1024  # bytes: an uploaded graph document of up to ~2000 nodes (web/upload.py)
REQUEST_TIMEOUT = 15.0  # seconds from a request's first byte to its last (headers and body): one deadline
KEEP_ALIVE_TIMEOUT = 5.0  # seconds an open connection may wait for its (next) request
WRITE_TIMEOUT = 15.0  # seconds a client may take to accept the response
SOCKET_TIMEOUT = REQUEST_TIMEOUT  # the old name
MAX_CONNECTIONS = 128  # open connections at once; idle ones are closed to make room, beyond that 503
LISTEN_BACKLOG = 128  # connections the kernel queues before the server accepts them
_BUSY_BODY = b'{"error":"too many open connections","status":503}'
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(_BUSY_BODY)).encode() + b"\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + _BUSY_BODY)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

PAGES = {
    "/": "index.html",
    "/graph": "graph.html",
    "/neuron": "neuron.html",
    "/two-inputs": "two-inputs.html",
    "/flip": "flip.html",
    "/depth": "depth.html",
}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _static_files() -> dict[str, bytes]:
    """Every file of the static folder, read once: requests can only name these."""
    files = {}
    folders = [("", resources.files("chainrule.web").joinpath("static"))]
    with contextlib.suppress(ModuleNotFoundError):  # the shared graph viewer of chainrule.viz (as g.to_html())
        folders.append(("viz/", resources.files("chainrule.viz").joinpath("static")))
    for prefix, root in folders:
        if not root.is_dir():
            continue
        for entry in root.iterdir():
            if entry.is_file() and "." + entry.name.rsplit(".", 1)[-1] in CONTENT_TYPES:
                files[prefix + entry.name] = entry.read_bytes()
    return files


class PlaygroundServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, host: str, port: int, allowed_hosts: tuple[str, ...] = (), quiet: bool = True,
                 request_timeout: float = REQUEST_TIMEOUT, keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        super().__init__((host, port), Handler)
        self.quiet = quiet
        self.static = _static_files()
        self.allowed_hostnames = {h.lower() for h in (*LOCAL_HOSTS, host, *allowed_hosts)} - {"0.0.0.0", "::", ""}
        self.request_timeout = request_timeout
        self.keep_alive_timeout = keep_alive_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle: dict[socket.socket, None] = {}  # connections waiting for a request, oldest first
        self._idle_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        # bounded threads: a flood cannot exhaust the process; idle keep-alive connections make room first
        if not self._slots.acquire(blocking=False) and not (self._close_idle() and self._slots.acquire(timeout=1.0)):
            with contextlib.suppress(OSError):
                request.sendall(BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def idle(self, sock: socket.socket, waiting: bool) -> None:
        with self._idle_lock:
            if waiting:
                self._idle[sock] = None
            else:
                self._idle.pop(sock, None)

    def _close_idle(self) -> bool:
        """Close the connection that has waited longest for a request (its thread then ends); False if none."""
        with self._idle_lock:
            if not self._idle:
                return False
            sock = next(iter(self._idle))
            del self._idle[sock]
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):  # the client went away or stalled
            return
        if not self.quiet:
            super().handle_error(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_address[0]
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def host_allowed(self, header: str | None) -> bool:
        if not header:
            return False
        header = header.strip().lower()
        if header.startswith("["):  # [::1]:8000
            name, _, rest = header[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        else:
            name, _, port = header.partition(":")
        if port and port != str(self.port):
            return False
        return name in self.allowed_hostnames

    def origin_allowed(self, origin: str) -> bool:
        parts = urlsplit(origin)
        return parts.scheme == "http" and self.host_allowed(parts.netloc)


class _DeadlineReader(io.RawIOBase):
    """The socket as the handler reads it: waiting for a request is bounded by the keep-alive timeout; once
    its first byte arrives, everything up to its last byte must arrive before one deadline (a per-read
    timeout would let a client sending a byte every few seconds hold the connection forever)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock: socket.socket = handler.connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        h = self.handler
        if h.deadline is None:  # between requests
            self.sock.settimeout(h.server.keep_alive_timeout)
            h.server.idle(self.sock, True)
            try:
                n = self.sock.recv_into(buffer)
            finally:
                h.server.idle(self.sock, False)
            h.deadline = time.monotonic() + h.server.request_timeout
            return n
        remaining = h.deadline - time.monotonic()
        if remaining <= 0:
            h.timed_out = True
            raise TimeoutError("the request deadline passed")
        self.sock.settimeout(remaining)
        try:
            return self.sock.recv_into(buffer)
        except TimeoutError:
            h.timed_out = True
            raise


class Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "chainrule"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_TIMEOUT
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
    deadline: float | None = None
    timed_out = False

    # --- plumbing -----------------------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self))

    def handle_one_request(self) -> None:
        self.deadline, self.timed_out = None, False
        super().handle_one_request()
        if self.timed_out:  # the request did not arrive in time: say so, then close
            if not getattr(self, "request_version", None):  # it timed out within the request line
                self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
            with contextlib.suppress(OSError):
                self._error(408, f"the request did not arrive within {self.server.request_timeout:g} s", close=True)

    def parse_request(self) -> bool:
        if self.deadline is None:  # a pipelined request read from the buffer: its deadline starts now
            self.deadline = time.monotonic() + self.server.request_timeout
        return super().parse_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.connection.settimeout(WRITE_TIMEOUT)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in SECURITY_HEADERS.items():
            self.send_header(k, v)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict[str, Any], close: bool = False, retry_after: bool = False) -> None:
        body = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()
        extra = {"Cache-Control": "no-store"}
        if retry_after:
            extra["Retry-After"] = "1"
        if close:
            extra["Connection"] = "close"
            self.close_connection = True
        self._send(status, body, "application/json", extra)

    def _error(self, status: int, message: str, close: bool = False) -> None:
        self._json(status, api.ApiError(status, message).to_json(), close=close)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors (bad request line, headers too long, unknown method...) as JSON too."""
        if code == 501:  # an HTTP method the server has no handler for
            code, message = 405, f"method {str(self.command)[:20]} is not allowed"
        with contextlib.suppress(Exception):  # the connection may be gone already
            self._error(code, message or "bad request", close=True)

    # --- checks -------------------------------------------------------------------------------------
    def _checked(self) -> bool:
        if not self.server.host_allowed(self.headers.get("Host")):
            self._error(403, "forbidden Host header: open the playgrounds at " + self.server.url, close=True)
            return False
        return True

    def _write_allowed(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is not None and not self.server.origin_allowed(origin):
            self._error(403, "cross-origin requests are refused", close=True)
            return False
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            self._error(403, "cross-site requests are refused", close=True)
            return False
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            self._error(415, "send the body as JSON with Content-Type: application/json", close=True)
            return False
        return True

    def _read_body(self) -> tuple[bool, Any]:
        if self.headers.get("Transfer-Encoding"):
            self._error(411, "send a Content-Length (chunked bodies are not accepted)", close=True)
            return False, None
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self._error(411, "a Content-Length header is required", close=True)
            return False, None
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self._error(400, "bad Content-Length", close=True)
            return False, None
        if length > MAX_BODY:
            self._error(413, f"the body is too large ({length} bytes, at most {MAX_BODY})", close=True)
            return False, None
        try:
            raw = self.rfile.read(length)
        except TimeoutError:
            self.timed_out = False  # answered here
            self._error(408, f"the request did not arrive within {self.server.request_timeout:g} s", close=True)
            return False, None
        if len(raw) != length:
            self._error(400, "the body ended early", close=True)
            return False, None
        try:
            return True, json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            message = str(exc) if isinstance(exc, _ConstantError) else "malformed JSON body"
            self._error(400, message)
            return False, None

    # --- methods ------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if not self._checked():
            return
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            self._api("GET", path, None)
            return
        name = PAGES.get(path)
        if name is None and path.startswith("/static/"):
            name = path[len("/static/"):]
        data = self.server.static.get(name or "")
        if data is None:
            self._send(404, b"not found", "text/plain; charset=utf-8")
            return
        ctype = CONTENT_TYPES["." + name.rsplit(".", 1)[-1]]
        self._send(200, data, ctype, {"Cache-Control": "no-cache"})

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        if not self._checked() or not self._write_allowed():
            return
        ok, body = self._read_body()
        if ok:
            self._api("POST", urlsplit(self.path).path, body)

    def _not_allowed(self) -> None:
        if self._checked():
            self._error(405, f"{self.command} is not allowed", close=True)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def _api(self, method: str, path: str, body: Any) -> None:
        try:
            payload = api.call(method, path, body)
        except api.ApiError as exc:
            self._json(exc.status, exc.to_json(), retry_after=exc.status == 503)
            return
        except Exception:  # a bug: say so without details, keep serving
            if not self.server.quiet:
                traceback.print_exc()
            self._error(500, "internal error")
            return
        try:
            self._json(200, payload)
        except ValueError:  # a NaN slipped through
            self._error(422, "the result is not a finite number")


class _ConstantError(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _ConstantError(f"{name} is not allowed in JSON")


def make_server(host: str = "127.0.0.1", port: int = 0, allowed_hosts: tuple[str, ...] = (),
                quiet: bool = True, request_timeout: float = REQUEST_TIMEOUT) -> PlaygroundServer:
    """A server bound to host:port (0 picks a free port); call `serve_forever()` on it. `request_timeout`:
    seconds a client may take to send a whole request."""
    return PlaygroundServer(host, port, allowed_hosts=allowed_hosts, quiet=quiet, request_timeout=request_timeout)


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> PlaygroundServer:
    """Start a server in a daemon thread (for notebooks and scripts); `server.shutdown()` stops it."""
    server = make_server(host, port)
    threading.Thread(target=server.serve_forever, daemon=True, name="chainrule-serve").start()
    return server
