"""A fake OpenAI-compatible server on 127.0.0.1, for the remote-engine tests: it lists models, streams
answers word by word, and misbehaves on demand (a wrong key, a stall, a reply that is not the OpenAI
format, an error status, dying part way). It records what it was asked and whether a client left
before the end of its answer.

    with FakeUpstream(models=["m1"]) as up:
        up.url            # "http://127.0.0.1:PORT" (no /v1: LocalAI adds it)
        up.reply = "one two three"; up.token_delay = 0.05; up.die_after = 2; up.status = 500; ...
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeUpstream:
    def __init__(self, models: list[str] | None = None, key: str | None = None,
                 image_models: list[str] | None = None) -> None:
        self.models = list(models or ["fake-model"])
        self.image_models = list(image_models or [])
        self.key = key  # the Bearer key it wants; None: any
        self.reply = "The capital of France is Paris."
        self.token_delay = 0.0  # seconds between streamed words
        self.stall_s = 0.0  # seconds before answering anything (a chat request)
        self.die_after: int | None = None  # words sent before the connection is cut
        self.status: int | None = None  # answer chats with this HTTP status instead
        self.bad_reply = False  # answer chats with an HTML page
        self.models_down = False  # GET /v1/models answers 503
        self.requests: list[dict[str, Any]] = []  # chat bodies received
        self.model_lists = 0  # GET /v1/models asked for (health checks)
        self.left_early = 0  # answers whose client went away before the end
        self.finished = 0  # answers sent to the end
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        up = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, message: str) -> None:
                self._send(status, json.dumps({"error": {"message": message, "type": "error"}}).encode())

            def _key_ok(self) -> bool:
                if up.key is None or self.headers.get("Authorization") == f"Bearer {up.key}":
                    return True
                self._error(401, "Incorrect API key provided")
                return False

            def do_GET(self) -> None:  # noqa: N802
                with up._lock:
                    up.model_lists += 1
                if not self._key_ok():
                    return
                if self.path.rstrip("/") != "/v1/models":
                    self._error(404, "no such route")
                    return
                if up.models_down:
                    self._error(503, "loading")
                    return
                data = [{"id": m, "object": "model", "owned_by": "fake"} for m in up.models]
                data += [{"id": m, "object": "model", "owned_by": "fake", "kind": "image"} for m in up.image_models]
                self._send(200, json.dumps({"object": "list", "data": data}).encode())

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self._key_ok():
                    return
                if self.path != "/v1/chat/completions":
                    self._error(404, "no such route")
                    return
                with up._lock:
                    up.requests.append(body)
                    up.in_flight += 1
                    up.max_in_flight = max(up.max_in_flight, up.in_flight)
                try:
                    self._chat(body)
                finally:
                    with up._lock:
                        up.in_flight -= 1

            def _chat(self, body: dict) -> None:
                time.sleep(up.stall_s)
                if up.status is not None:
                    self._error(up.status, f"upstream said {up.status}")
                    return
                if up.bad_reply:
                    self._send(200, b"<html><body>It works!</body></html>", "text/html")
                    return
                if body.get("model") not in up.models:
                    self._error(404, f"model {body.get('model')} not found")
                    return
                words = up.reply.split(" ")
                words = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
                words = words[: body.get("max_tokens") or len(words)]
                if not body.get("stream"):
                    self._send(200, json.dumps({"id": "x", "object": "chat.completion", "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": "".join(words)},
                         "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": len(words)}}
                    ).encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for i, word in enumerate(words):
                        if up.die_after is not None and i >= up.die_after:
                            self.wfile.flush()
                            self.connection.shutdown(2)  # the server "crashes" part way
                            return
                        self._event({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]})
                        time.sleep(up.token_delay)
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    self._event({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": len(words)}})
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    with up._lock:
                        up.finished += 1
                except OSError:  # the client went away
                    with up._lock:
                        up.left_early += 1
                self.close_connection = True

            def _event(self, data: dict) -> None:
                self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

        return Handler
