"""Serving a fake platform in-process: a threaded werkzeug server on 127.0.0.1:<ephemeral>."""
from __future__ import annotations

import threading
from typing import Self

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class LocalServer:
    """Start/stop and `with` support for a fake whose WSGI app is `self._wsgi`. Subclasses set
    `_name` and `_url_suffix`, and create `self._stopping` (set on stop, so requests sleeping
    in a delay wake up)."""

    _name = "fake-platform"
    _url_suffix = ""
    _server = None
    _thread: threading.Thread | None = None
    url = ""

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}{self._url_suffix}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05}, name=self._name)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
