"""``corpus annotate serve|push|pull``: the Label Studio commands outside DVC (they need a server)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import typer

from pipelines.core.errors import StageError, warn
from pipelines.core.io import write_jsonl
from pipelines.core.layout import ANNOTATIONS, CORPUS, LABEL_CONFIGS, LABEL_STUDIO_DATA, human_file
from pipelines.labelstudio.client import connect, pull_all, push
from pipelines.labelstudio.results import reparse
from pipelines.labelstudio.server import (
    DEFAULT_PORT,
    RUNNING,
    load_credentials,
    local_url,
    make_private,
    record_running,
    rotate_token,
    start_server,
    stop_server,
    stop_stale,
    wait_healthy,
)
from pipelines.labelstudio.tasks import PROJECTS, current_fingerprints

app = typer.Typer(help="Label Studio: serve, push pre-annotations, pull corrections.", no_args_is_help=True)


@app.command("serve")
def serve_command(
    port: int = typer.Option(DEFAULT_PORT, help="port on 127.0.0.1"),
    data_dir: Path = typer.Option(LABEL_STUDIO_DATA, help="Label Studio data directory (git-ignored)"),
) -> None:
    """Run a local Label Studio (127.0.0.1 only) until interrupted (Ctrl-C or SIGTERM).

    The server is stopped with this command, never left behind; if it dies on its own, the
    command exits non-zero and says so.
    """
    credentials = load_credentials(data_dir, create=True)
    log = data_dir / "server.log"
    if (stale := stop_stale(data_dir)) is not None:
        warn(f"stopped the Label Studio (pid {stale}) an earlier `serve` on {data_dir} left running")
    process = start_server(data_dir, port, credentials, log=log)
    url = local_url(port)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), stop)
    try:
        wait_healthy(url, process)
        record_running(data_dir, url, process.pid)  # push and pull find it here
        typer.echo(f"Label Studio is up at {url} (user {credentials.username}, pid {process.pid}); log: {log}")
        typer.echo("Stop with Ctrl-C.", nl=True)
        sys.stdout.flush()
        code = process.wait()
        raise StageError(f"Label Studio (pid {process.pid}) exited with code {code}; see {log}")
    except KeyboardInterrupt:
        typer.echo("stopping Label Studio")
    finally:
        stop_server(process, data_dir)
        (data_dir / RUNNING).unlink(missing_ok=True)


@app.command("push")
def push_command(
    kind: list[str] = typer.Argument(None, help="tagging, alignment and/or translation (default: all three)"),
    url: str = typer.Option(None, envvar="LABEL_STUDIO_URL", help="server URL"),
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
    configs: Path = typer.Option(LABEL_CONFIGS, help="labelling configs"),
    data_dir: Path = typer.Option(LABEL_STUDIO_DATA, help="local server data (for its stored token)"),
) -> None:
    """Create/update the projects and import tasks with predictions (idempotent)."""
    client = connect(url, data_dir)
    for name in kind or list(PROJECTS):
        typer.echo(json.dumps({name: push(client, name, corpus, configs)}))


@app.command("pull")
def pull_command(
    kind: list[str] = typer.Argument(None, help="tagging, alignment and/or translation (default: all three)"),
    url: str = typer.Option(None, envvar="LABEL_STUDIO_URL", help="server URL"),
    out: Path = typer.Option(ANNOTATIONS, help="where pulled annotations go"),
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
    data_dir: Path = typer.Option(LABEL_STUDIO_DATA, help="local server data (for its stored token)"),
) -> None:
    """Snapshot-export annotations and predictions into annotations/ (atomic)."""
    client = connect(url, data_dir)
    for name, summary in pull_all(client, kind or list(PROJECTS), out, corpus).items():
        typer.echo(json.dumps({name: summary}))
    if data_dir.exists():  # the local server's exports land in its data folder
        make_private(data_dir)


@app.command("reparse")
def reparse_command(
    kind: list[str] = typer.Argument(None, help="tagging, alignment and/or translation (default: all three)"),
    annotations: Path = typer.Option(ANNOTATIONS, help="pulled annotations (snapshot exports and human rows)"),
    corpus: Path = typer.Option(CORPUS, help="corpus folder"),
) -> None:
    """Read the last pulled snapshot exports again into the human rows, offline (after an upgrade)."""
    for name in kind or list(PROJECTS):
        rows = reparse(name, annotations / f"{name}.json", current_fingerprints(name, corpus))
        write_jsonl(human_file(annotations, name), rows)
        typer.echo(json.dumps({name: {"annotated": len(rows), "stale": sum(r.stale for r in rows)}}))


@app.command("rotate-token")
def rotate_token_command(
    url: str = typer.Option(None, envvar="LABEL_STUDIO_URL", help="server URL"),
    data_dir: Path = typer.Option(LABEL_STUDIO_DATA, help="local server data (its stored credentials)"),
) -> None:
    """Replace the API token: the old one stops working; the local credentials file gets the new one."""
    client = connect(url, data_dir)
    token = rotate_token(client, data_dir)
    typer.echo(
        f"new API token stored in {data_dir / 'credentials.json'} (ends …{token[-4:]}); update LABEL_STUDIO_API_KEY"
    )
