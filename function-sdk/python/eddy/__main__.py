"""``python -m eddy --handler module:handle``: serves a function over Eddy's remote protocol on loopback.

The engine starts it for a function with ``runtime: python``; it can also be run by hand (then give the function
``remote.url``). Settings come from the command line and the environment the engine gives:

- ``--handler`` (``EDDY_HANDLER``): ``module`` or ``module:attribute``, imported from ``--dir`` (``EDDY_DIR``, the
  function's folder; default the working directory);
- ``--port`` (``EDDY_PORT``; 0, the default, takes a free one), on 127.0.0.1;
- ``EDDY_FUNCTION``, ``EDDY_VERSION``; ``EDDY_CONFIG`` and ``EDDY_SECRETS`` (JSON objects);
  ``EDDY_STATE_VALUES`` (a JSON list of the state values declared);
- ``EDDY_MEMORY_MB``, the function's ``memory``: the most data the process may hold (its heap and anonymous
  mappings, ``RLIMIT_DATA``, its threads' 1 MiB stacks included); an allocation past it raises ``MemoryError`` in
  the call that made it, which fails that call's events.

Once ``open`` has run it prints ``EDDY-LISTENING <port>`` on standard output. When ``open`` (or the import) fails,
it prints the error with its stack on standard error and exits with status 3.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import Environment, Event, Function, load_handler

OPEN_FAILED = 3


def _events(request: dict) -> tuple[list[Event], list | None]:
    events, states = [], None
    for index, raw in enumerate(request.get("events", [])):
        events.append(Event(value=raw.get("value"), key=raw.get("key"), headers=raw.get("headers") or {},
                            topic=raw.get("topic"), partition=raw.get("partition"), offset=raw.get("offset"),
                            timestamp=raw.get("timestamp")))
        if "state" in raw:
            if states is None:
                states = [None] * index
            states.append(raw.get("state") or {})
        elif states is not None:
            states.append({})
    return events, states


def _deadline(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def make_server(function: Function, port: int, declared: list | None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the engine sends batch after batch on one connection

        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            try:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length))
                events, states = _events(request)
            except (ValueError, TypeError) as error:
                self._answer(400, {"error": f"not a request of Eddy's remote protocol: {error}"})
                return
            results = function.call(events, int(request.get("attempt", 1)), _deadline(request.get("deadline")),
                                    states, declared)
            self._answer(200, {"results": results})

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200 if self.path == "/health" else 404, {"function": function.env.function})

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body, separators=(",", ":"), default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the standard library's name)
            pass  # one line a batch is noise; failures are in the results

    server = _Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


class _Server(ThreadingHTTPServer):
    # The engine opens many connections at once (up to the function's maxConcurrency): with socketserver's backlog
    # of 5 the rest are dropped as they connect, and retried by TCP a second and more later.
    request_queue_size = 128


THREAD_STACK_BYTES = 1024 * 1024


def limit_memory(megabytes: str | None) -> None:
    """Caps the process's data (heap and anonymous mappings) at the function's memory, where the system can.

    A thread's stack is such a mapping, and the server runs a thread for each of the engine's connections: they get
    1 MiB each (the C library's default is the stack limit, 8 MiB here, which would take the whole of a small
    function's memory at a few dozen connections).
    """
    if not megabytes:
        return
    try:
        import resource  # Unix only

        limit = int(megabytes) * 1024 * 1024
        threading.stack_size(THREAD_STACK_BYTES)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError) as error:
        print(f"eddy: the memory limit of {megabytes} MB was not set: {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eddy", description="Serves an Eddy function on loopback.")
    parser.add_argument("--handler", default=os.environ.get("EDDY_HANDLER"), help="module or module:attribute")
    parser.add_argument("--dir", default=os.environ.get("EDDY_DIR", os.getcwd()), help="the function's folder")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EDDY_PORT", "0")))
    args = parser.parse_args(argv)
    if not args.handler:
        parser.error("give the handler: --handler module:handle (or EDDY_HANDLER)")
    env = Environment(os.environ.get("EDDY_FUNCTION", args.handler), os.environ.get("EDDY_VERSION", "0"),
                      json.loads(os.environ.get("EDDY_CONFIG", "{}")), json.loads(os.environ.get("EDDY_SECRETS", "{}")))
    declared = json.loads(os.environ["EDDY_STATE_VALUES"]) if "EDDY_STATE_VALUES" in os.environ else None
    limit_memory(os.environ.get("EDDY_MEMORY_MB"))
    try:
        function = Function(load_handler(args.handler, args.dir), env)
        function.open()
    except Exception:  # noqa: BLE001 (whatever it is, the engine is told, with the stack)
        print(f"EDDY-OPEN-FAILED the handler {args.handler} could not be loaded and opened:", file=sys.stderr)
        traceback.print_exc()
        sys.stderr.flush()
        return OPEN_FAILED
    server = make_server(function, args.port, declared)
    # Stopped by the engine with SIGTERM: the batch in hand is answered, then close() runs.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"EDDY-LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        function.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
