"""A page opened in headless Chromium, and a JavaScript expression evaluated in it once loaded.

Chromium is driven over its DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON
messages separated by NUL bytes on file descriptors 3 and 4), so no extra package is needed.
An ``async`` expression is awaited, so images can be decoded and data fetched before the
answer comes back (``--dump-dom`` would dump the page before such work ends).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """The DevTools protocol over the two pipes of one Chromium process."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer, self.counter, self.events = b"", 0, []

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result (events that arrive meanwhile are kept)."""
        self.counter += 1
        message = {"id": self.counter, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.read_fd, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed its DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.counter:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)


def evaluate_in_page(page: Path, expression: str, profile: Path, timeout: float = 120) -> object:
    """Load ``page`` in headless Chromium, wait for its load event, then evaluate ``expression``
    (awaited if it is a promise) and return its value (JSON-like)."""
    to_chrome, from_chrome = os.pipe(), os.pipe()
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]  # fmt: skip
    process = subprocess.Popen(
        ["bash", "-c", f"exec {shlex.join(command)} 3<&{to_chrome[0]} 4>&{from_chrome[1]}"],
        pass_fds=(to_chrome[0], from_chrome[1]),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_chrome[0])
    os.close(from_chrome[1])
    tools = DevTools(to_chrome[1], from_chrome[0])
    try:
        targets = tools.call("Target.getTargets")["targetInfos"]
        target = next(t["targetId"] for t in targets if t["type"] == "page")
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        session = session["sessionId"]
        tools.call("Page.enable", session=session)
        tools.call("Page.navigate", {"url": page.resolve().as_uri()}, session)
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in tools.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{page} did not load within {timeout} s")
            tools.call("Runtime.evaluate", {"expression": "0"}, session)
            time.sleep(0.1)
        result = tools.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("exception", result))
        return result["result"].get("value")
    finally:
        process.kill()
        process.wait()
        os.close(to_chrome[1])
        os.close(from_chrome[0])
