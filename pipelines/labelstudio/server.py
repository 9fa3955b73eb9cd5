"""The local Label Studio server: credentials, start, health, stop.

The server runs on 127.0.0.1 with its data under ``annotations/.labelstudio`` (git-ignored),
analytics and error reporting off and open sign-up disabled. The admin user and API token
come from ``LABEL_STUDIO_USERNAME`` / ``LABEL_STUDIO_PASSWORD`` / ``LABEL_STUDIO_API_KEY``;
when absent they are generated once, stored in ``<data dir>/credentials.json`` (mode 600)
and printed that one time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    token: str


def load_credentials(data_dir: Path, create: bool = False) -> Credentials:
    """Environment first; else the stored file; else (``create``) generate, store and print once."""
    env = os.environ
    stored_path = data_dir / "credentials.json"
    stored = json.loads(stored_path.read_text()) if stored_path.exists() else {}
    username = env.get("LABEL_STUDIO_USERNAME") or stored.get("username")
    password = env.get("LABEL_STUDIO_PASSWORD") or stored.get("password")
    token = env.get("LABEL_STUDIO_API_KEY") or env.get("LABEL_STUDIO_USER_TOKEN") or stored.get("token")
    if username and password and token:
        return Credentials(username, password, token)
    if not create:
        raise StageError(
            "no Label Studio credentials: set LABEL_STUDIO_API_KEY (and LABEL_STUDIO_URL for an existing server), "
            "or start the local server once with `corpus annotate serve`"
        )
    credentials = Credentials(
        username or "admin@corpus.local", password or secrets.token_urlsafe(16), token or secrets.token_hex(20)
    )
    make_private(data_dir)
    stored_path.write_text(json.dumps(credentials.__dict__))
    stored_path.chmod(0o600)
    print(
        f"Generated Label Studio credentials (shown once, stored in {stored_path}):\n"
        f"  user: {credentials.username}\n  password: {credentials.password}\n  API token: {credentials.token}",
        file=sys.stderr,
    )
    return credentials


def rotate_token(client: Any, data_dir: Path) -> str:
    """Ask the server for a new API token and store it with the local credentials (if any)."""
    response = client.users.reset_token()
    token = getattr(response, "token", None) or response["token"]
    stored_path = data_dir / "credentials.json"
    if stored_path.exists():
        stored = json.loads(stored_path.read_text())
        stored_path.write_text(json.dumps({**stored, "token": token}))
        stored_path.chmod(0o600)
    return token


def make_private(data_dir: Path) -> None:
    """The server's data holds the API token in plain text: folders 0700, files 0600, whatever the umask.

    The server itself runs with umask 077, but Django writes exports as 0644 (its
    ``FILE_UPLOAD_PERMISSIONS``); the 0700 folder keeps those unreachable, and ``serve``,
    ``pull`` and the server's stop tighten them to 0600 as well.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for path in data_dir.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


HOST = "127.0.0.1"  # the local server listens on loopback only
DEFAULT_PORT = 8080


def local_url(port: int = DEFAULT_PORT) -> str:
    return f"http://{HOST}:{port}"


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def server_environment(data_dir: Path, credentials: Credentials) -> dict[str, str]:
    return {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir.resolve()),
        "LABEL_STUDIO_USERNAME": credentials.username,
        "LABEL_STUDIO_PASSWORD": credentials.password,
        "LABEL_STUDIO_USER_TOKEN": credentials.token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "COLLECT_ANALYTICS": "false",
        "LATEST_VERSION_CHECK": "false",
    }


def start_server(data_dir: Path, port: int, credentials: Credentials, log: Path | None = None) -> subprocess.Popen:
    """Start Label Studio on 127.0.0.1:port; refuses a busy port (the server would drift to another)."""
    if not port_is_free(port):
        raise StageError(f"port {port} on 127.0.0.1 is busy; choose another with --port")
    make_private(data_dir)
    executable = Path(sys.executable).with_name("label-studio")
    command = [
        str(executable) if executable.exists() else "label-studio",
        "start",
        "--no-browser",
        "--internal-host",
        HOST,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir.resolve()),
    ]
    if log:
        log.touch(mode=0o600)
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the server outlives this call
    return subprocess.Popen(
        command,
        env=server_environment(data_dir, credentials),
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_child_setup,
    )


def _child_setup() -> None:
    """In the server process before it runs: everything it creates stays private, and it gets
    SIGTERM when the process that started it dies, even by SIGKILL (Linux's parent-death signal)."""
    os.umask(0o077)
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1
RUNNING = "server.json"  # in the data folder while `serve` runs: its URL and the server's pid


def record_running(data_dir: Path, url: str, pid: int) -> None:
    (data_dir / RUNNING).write_text(json.dumps({"url": url, "pid": pid}))


def running_server(data_dir: Path) -> dict | None:
    """The server `serve` started from this data folder, when its process is still alive."""
    try:
        recorded = json.loads((data_dir / RUNNING).read_text())
        os.kill(int(recorded["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return recorded


def left_behind(data_dir: Path) -> str | None:
    """The URL in a ``server.json`` whose server is gone (``serve`` was killed): the file is
    removed, and the URL returned so that a client can say which server it expected."""
    path = data_dir / RUNNING
    if running_server(data_dir) is not None or not path.exists():
        return None
    try:
        url = str(json.loads(path.read_text())["url"])
    except (OSError, ValueError, KeyError, TypeError):
        url = None
    path.unlink(missing_ok=True)
    return url


def stop_stale(data_dir: Path) -> int | None:
    """Stop a server an earlier `serve` on this data folder left running (its pid in
    ``server.json`` and a Label Studio command line naming this folder); returns its pid."""
    recorded = running_server(data_dir)
    if recorded is None:
        return None
    pid = int(recorded["pid"])
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    if not any(b"label-studio" in part for part in command) or str(data_dir.resolve()).encode() not in command:
        return None  # the pid was reused by another program: not ours to stop
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and running_server(data_dir):
        time.sleep(0.2)
    if running_server(data_dir):
        os.killpg(pid, signal.SIGKILL)
    (data_dir / RUNNING).unlink(missing_ok=True)
    return pid


def wait_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StageError(f"Label Studio exited with code {process.returncode} before becoming healthy")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise StageError(f"Label Studio at {url} did not answer /health within {timeout:.0f} s")


def stop_server(process: subprocess.Popen, data_dir: Path | None = None) -> None:
    """Stop the server's process group (TERM, then KILL); tighten its data folder again."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
    if data_dir is not None and data_dir.exists():
        make_private(data_dir)


def copy_template(template: Path, data_dir: Path) -> None:
    """Start from a pre-migrated empty database (~6 s start) instead of migrating (~60 s)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for item in template.iterdir():
        target = data_dir / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)
