"""`chainrule serve`: the playgrounds (graph lab, neuron, two inputs, diagonal flip, depth) on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys
import webbrowser

from chainrule.web.server import LOCAL_HOSTS, REQUEST_TIMEOUT, make_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; anything else exposes the server to the network)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also accept this Host header name (when serving under another name)")
    parser.add_argument("--open", action="store_true", help="open the playgrounds in a web browser")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--request-timeout", type=float, default=REQUEST_TIMEOUT, metavar="SECONDS",
                        help=f"seconds a client may take to send a whole request (default {REQUEST_TIMEOUT:g})")


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        print(f"chainrule serve: port must be between 0 and 65535, got {args.port}", file=sys.stderr)
        return 2
    if not 0 < args.request_timeout <= 3600:
        print(f"chainrule serve: --request-timeout must be between 0 and 3600 seconds, got {args.request_timeout:g}",
              file=sys.stderr)
        return 2
    if args.host not in LOCAL_HOSTS:
        bar = "!" * 78
        print(f"{bar}\nWARNING: binding {args.host}: the playgrounds will be reachable from other machines.\n"
              "They have no authentication. Only do this on a network you trust.\n"
              "Browsers must use 127.0.0.1, localhost or the bound address; add other names with --allow-host.\n"
              + bar, file=sys.stderr)
    try:
        server = make_server(args.host, args.port, allowed_hosts=tuple(args.allow_host), quiet=not args.verbose,
                             request_timeout=args.request_timeout)
    except OSError as exc:
        print(f"chainrule serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"chainrule playgrounds: {server.url}  (Ctrl+C to stop)", flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.server_close()
    return 0
