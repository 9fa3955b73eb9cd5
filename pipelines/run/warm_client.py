"""The warm engine server's client: what ``corpus`` runs when ``executor.warm`` is set.

One protocol: a ``run`` request carries a command line (and the client's environment) to the
server, which runs it in process and streams its output back; ``status`` and ``stop`` manage
the server. The command's per-document work then runs on the executor its settings choose,
and with the one-process executor its engines stay loaded in the server between runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.run.fingerprint import PACKAGE
from pipelines.run.warm import authkey, runtime_dir, server_key

WARM_STARTUP_SECONDS = 120


class WarmClient:
    """Runs stage commands in the warm engine server (:mod:`warm`) for this code and folder,
    starting it when absent; asks it for its status or to stop."""

    def __init__(self, idle_seconds: int | Path, address: Path | None = None) -> None:
        """``idle_seconds``: or the parameters file that sets them, read by the server if it has to
        start (a client that only forwards a command need not load the settings). ``address``:
        another server's socket (default: this code's and folder's)."""
        self.idle_seconds = idle_seconds
        self.address = address or runtime_dir() / f"{server_key()}.sock"

    def _dial(self) -> Connection | None:
        """A connection to the running server; None when none listens at the address."""
        try:
            return Client(str(self.address), "AF_UNIX", authkey=authkey(self.address))
        except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, EOFError):  # none, or exiting
            return None

    def _connect(self) -> Connection:
        connection = self._dial()
        if connection is not None:
            return connection
        with open(self.address.with_suffix(".lock"), "w") as lock:  # one starter at a time
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._dial() or self._start()

    def _start(self) -> Connection:
        self.address.unlink(missing_ok=True)  # a socket left by a server that was killed
        self._stop_outdated()
        log = self.log
        # the server imports this very package, whatever the working directory holds
        start = f"import sys; sys.path.insert(0, {str(PACKAGE.parent)!r}); import pipelines.run.warm as w; w.serve()"
        command = [sys.executable, "-c", start, str(self.address), str(self.idle_seconds)]
        with open(log, "ab") as output:  # the server keeps its own copy of the descriptor
            server = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True
            )
        deadline = time.monotonic() + WARM_STARTUP_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise StageError(f"the warm engine server exited at start; see {log}")
            connection = self._dial()
            if connection is not None:
                return connection
            time.sleep(0.05)
        raise StageError(f"the warm engine server did not start within {WARM_STARTUP_SECONDS} s; see {log}")

    def _request(self, connection: Connection, message: tuple) -> Any:
        """Send one request; print what the server streams back until its reply."""
        connection.send(message)
        server_pid = None
        while True:
            try:
                reply = connection.recv()
            except KeyboardInterrupt:
                if server_pid is None:
                    raise
                os.kill(server_pid, signal.SIGINT)  # the command stops there, as it would here
                server_pid = None  # a second Ctrl-C leaves at once
                continue
            if reply[0] == "pid":
                server_pid = reply[1]
            elif reply[0] == "output":
                stream = sys.stdout if reply[1] == "stdout" else sys.stderr
                stream.write(reply[2])
                stream.flush()
            elif reply[0] == "error":
                raise StageError(reply[1])
            else:
                return reply[1]

    def run(self, target: str, argv: list[str]) -> int:
        """Run a command line in the server (``target``: ``"module:function"``); its exit code."""
        connection = self._connect()
        with connection:
            try:
                return self._request(connection, ("run", target, argv, dict(os.environ)))
            except EOFError:
                raise StageError(f"the warm engine server exited while running the command; see {self.log}") from None

    @property
    def log(self) -> Path:
        return self.address.with_suffix(".log")

    def _stop_outdated(self) -> None:
        """Stop this folder's servers for other code: nothing will use them again, and each holds
        its engines' memory until it goes idle."""
        folder = self.address.name.split("-")[0]
        for socket in self.address.parent.glob(f"{folder}-*.sock"):
            if socket != self.address:
                with contextlib.suppress(OSError, EOFError, StageError):
                    WarmClient(0, socket).stop()

    def status(self) -> dict | None:
        """The running server's pid, engines and requests served; None when none runs."""
        connection = self._dial()
        if connection is None:
            return None
        with connection:
            return self._request(connection, ("status",))

    def stop(self) -> bool:
        """Ask the server to exit; False when none was running."""
        connection = self._dial()
        if connection is None:
            return False
        with connection:
            self._request(connection, ("stop",))
        return True
