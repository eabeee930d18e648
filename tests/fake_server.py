"""A real, scriptable OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks.

It speaks just enough of POST /v1/chat/completions: each request is answered by
`server.script(prompt, nth_call_for_this_prompt)`, which returns a `Reply`. The
default script echoes the prompt, so answers are a deterministic function of the
input. Calls are counted (in total and per prompt) and request headers are kept
so tests can check what the client actually sent.

Run as a script (`python tests/fake_server.py --delay 0.1`) it prints its port and
serves until killed; the benchmark uses that to keep the server off the client's GIL.
"""

from __future__ import annotations

import argparse
import collections
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None  # None: a well-formed completion echoing the prompt
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to sleep before answering (to provoke timeouts)


def prompt_of(payload: dict) -> str:
    """The text of the last message (string content or the text parts of a list)."""
    content = payload["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if p.get("type") == "text")


def completion_body(text: str | None, model: str, finish: str | None = "stop") -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1700000000,
            "model": model + "-served",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


def echo(prompt: str, nth: int) -> Reply:
    return Reply()


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True  # slow handlers must not block shutdown
    request_queue_size = 1024  # the benchmark opens many connections at once

    def __init__(self, script: Callable[[str, int], Reply] = echo,
                 payload_script: Callable[[dict, int], Reply] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.payload_script = payload_script  # when set, answers from the whole request body (e.g. its seed)
        self.lock = threading.Lock()
        self.calls = 0
        self.per_prompt: collections.Counter[str] = collections.Counter()
        self.headers_seen: list[dict[str, str]] = []
        self.payloads: list[dict] = []
        self.in_flight = 0
        self.busy_at_arrival: list[int] = []  # requests already being served when each one arrived
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> "FakeServer":
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid a 40 ms delayed-ACK stall
    server: FakeServer

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        payload = json.loads(raw)
        prompt = prompt_of(payload)
        srv = self.server
        with srv.lock:
            srv.calls += 1
            srv.per_prompt[prompt] += 1
            nth = srv.per_prompt[prompt]
            srv.headers_seen.append({k.lower(): v for k, v in self.headers.items()})  # names are case-insensitive
            srv.payloads.append(payload)
            srv.busy_at_arrival.append(srv.in_flight)
            srv.in_flight += 1
        try:
            self._answer(srv, payload, prompt, nth)
        finally:
            with srv.lock:
                srv.in_flight -= 1

    def _answer(self, srv: FakeServer, payload: dict, prompt: str, nth: int) -> None:
        reply = srv.script(prompt, nth) if srv.payload_script is None else srv.payload_script(payload, nth)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body if reply.body is not None else completion_body("echo: " + prompt, payload["model"])
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout); nothing to do


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--answer", default=None, help="answer every request with this text (default: echo the prompt)")
    args = ap.parse_args()
    body = None if args.answer is None else completion_body(args.answer, "bench")
    srv = FakeServer(lambda p, n: Reply(delay=args.delay, body=body))
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
