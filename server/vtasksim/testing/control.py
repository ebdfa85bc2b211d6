"""A client of the control API (``/_vtasksim/``), on the standard library only.

    control = Control("http://127.0.0.1:8989", token="s3cret")
    control.advance("5s")
    control.task("task-101")["state"]
    control.requests(moref="Task:task-101")

Every method returns the decoded JSON; an error answer raises :class:`ControlAPIError` with the
HTTP status and the server's message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ControlAPIError(Exception):
    def __init__(self, status: int, answer: Any) -> None:
        message = answer.get("error") if isinstance(answer, dict) else str(answer)
        super().__init__(f"HTTP {status}: {message}")
        self.status, self.answer, self.message = status, answer, message


class Control:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        #: ``http://host:port``: the server's address without ``/sdk``.
        self.base_url = base_url.rstrip("/").removesuffix("/sdk")
        self.token = token
        self.timeout = timeout

    # Plain HTTP

    def call(self, http_method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/_vtasksim/{path.lstrip('/')}"
        present = {key: value for key, value in (query or {}).items() if value is not None}
        if present:
            url += "?" + urllib.parse.urlencode(present)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=http_method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token is not None:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = raw.decode("utf-8", "replace")
            raise ControlAPIError(error.code, answer) from None

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, query=query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body if body is not None else {})

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    # The server

    def health(self) -> dict[str, Any]:
        return self.get("health")

    def reset(self) -> dict[str, Any]:
        """The current fixture again, as loaded: tasks, sessions and added fault rules go."""
        return self.post("reset")

    def load_fixture(self, path: str | None = None, yaml: str | None = None) -> dict[str, Any]:
        """A fixture file on the server's disk, or a fixture's text."""
        return self.post("fixture", {"path": path} if path is not None else {"yaml": yaml})

    # Time

    def now(self) -> str:
        return self.get("clock")["now"]

    def advance(self, by: float | str) -> dict[str, Any]:
        """Move a manual clock forward (``2.5`` seconds or ``"2s"``), running what falls due."""
        return self.post("clock/advance", {"seconds": by} if isinstance(by, (int, float)) else {"by": by})

    # Tasks

    def tasks(self, state: str | None = None) -> list[dict[str, Any]]:
        return self.get("tasks", state=state)

    def task(self, key: str) -> dict[str, Any]:
        return self.get(f"tasks/{key}")

    # The request log

    def requests(self, moref: str | None = None, method: str | None = None, since: int | None = None) -> list[dict[str, Any]]:
        return self.get("requests", moref=moref, method=method, since=since)

    def clear_requests(self) -> None:
        self.delete("requests")
