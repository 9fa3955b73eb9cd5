"""The Label Studio SDK calls: connect, create projects, import tasks, snapshot exports.

- ``push`` creates or updates two projects (tagging, alignment review) and imports one task
  per sentence / alignment with the stages' output as predictions. Re-pushing adds only
  new tasks, and adds a prediction to an existing task only for a new model version.
- ``pull`` downloads a snapshot export with full predictions and annotations, checks it,
  then replaces ``annotations/<project>.json`` and ``<project>.human.jsonl`` atomically:
  a failed pull overwrites nothing.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from pipelines.core.errors import StageError, warn
from pipelines.core.io import write_json, write_jsonl
from pipelines.core.layout import human_file
from pipelines.core.private import exclusive_lock, private_dir
from pipelines.core.reviews import Review
from pipelines.labelstudio.results import human_rows
from pipelines.labelstudio.server import left_behind, load_credentials, local_url, running_server
from pipelines.labelstudio.tasks import (
    KEY_FIELD,
    PROJECTS,
    SHOWN_FIELDS,
    SUPERSEDED,
    build_items,
    config_text,
    current_fingerprints,
    label_interface,
    validate_result,
)

T = TypeVar("T")


def is_server_failure(error: BaseException) -> bool:
    """Connection errors, time-outs and HTTP 5xx: the server's trouble, not the request's."""
    import httpx

    status = getattr(error, "status_code", None)
    return isinstance(error, httpx.TransportError) or (isinstance(status, int) and status >= 500)


def describe_failure(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    return f"HTTP {status}" if status else f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def with_retries(call: Callable[[], T], attempts: int = 3, backoff: float = 1.0) -> T:
    """Run an idempotent request again, with growing pauses, when the server fails it."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as error:
            if not is_server_failure(error) or attempt == attempts - 1:
                raise
            time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")


def connect(url: str | None, data_dir: Path, api_key: str | None = None) -> Any:
    """An SDK client for LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY (or the local server's stored token).

    An existing server needs only its URL and an API token: a local username and password are
    what `serve` needs to start a server, never what a client needs to reach one."""
    from label_studio_sdk import LabelStudio

    recorded = running_server(data_dir)  # the server `corpus annotate serve` started, on whatever port
    gone = left_behind(data_dir)
    if gone and not (url or os.environ.get("LABEL_STUDIO_URL")):
        raise StageError(
            f"the Label Studio server that `corpus annotate serve` started at {gone} is no longer running "
            f"(its {data_dir}/server.json was left behind, now removed); start it again with `corpus annotate serve`"
        )
    url = (url or os.environ.get("LABEL_STUDIO_URL") or (recorded or {}).get("url") or local_url()).rstrip("/")
    environment_token = os.environ.get("LABEL_STUDIO_API_KEY") or os.environ.get("LABEL_STUDIO_USER_TOKEN")
    api_key = api_key or environment_token or load_credentials(data_dir).token
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5):
            pass
    except (urllib.error.URLError, OSError) as error:
        raise StageError(
            f"Label Studio at {url} is not reachable ({error}); start it with `corpus annotate serve`"
        ) from None
    client = LabelStudio(base_url=url, api_key=api_key)
    try:
        client.users.whoami()
    except Exception as error:  # the SDK raises ApiError with the HTTP status
        status = getattr(error, "status_code", None)
        if status in (401, 403):
            raise StageError(f"Label Studio at {url} rejected the API token (HTTP {status})") from None
        raise
    return client


def ensure_project(client: Any, kind: str, configs: Path) -> Any:
    """The project of this title with the lowest id, created if there is none.

    The server is the shared state: two pushes that start together (other URL spellings,
    other machines) may each create one; both then keep the oldest and delete the other while
    it holds no annotation, so they converge on one project."""
    title = PROJECTS[kind]
    label_config = config_text(kind, configs)
    existing = sorted((p for p in client.projects.list() if p.title == title), key=lambda p: p.id)
    if not existing:
        client.projects.create(
            title=title,
            label_config=label_config,
            description=f"Managed by the corpus pipeline (`corpus annotate push {kind}`). Task key: {KEY_FIELD[kind]}.",
        )
        existing = sorted((p for p in client.projects.list() if p.title == title), key=lambda p: p.id)
    project, *others = existing
    for other in others:
        _delete_if_unannotated(lambda o=other: client.projects.delete(id=o.id), other, f"project {other.id}")
    if project.label_config != label_config:
        client.projects.update(id=project.id, label_config=label_config)
    return project


def _delete_if_unannotated(delete: Callable[[], object], item: Any, what: str) -> bool:
    """Delete a duplicate the pipeline made, unless a human has annotated it (then it stays, named)."""
    if (getattr(item, "total_annotations_number", None) or getattr(item, "total_annotations", None) or 0) > 0:
        warn(f"Label Studio: duplicate {what} holds annotations; kept (merge it by hand)")
        return False
    try:
        delete()
    except Exception as error:
        if getattr(error, "status_code", None) != 404:  # already deleted by the other push
            raise
    return True


def shows_item(data: dict, item: dict | None, fields: tuple[str, ...]) -> bool:
    """A task shows the pipeline's item when every field the annotator reads is the item's."""
    return item is None or all(data.get(f) == item.get(f) for f in fields)


@dataclass
class ServerTasks:
    """A project's tasks as the pipeline sees them, by key."""

    own: dict[str, Any]  # the oldest task that shows each item: the one that gets predictions
    duplicates: list[Any]  # more tasks showing the same item (concurrent pushes)
    outdated: list[Any]  # tasks of ours that show an older text of the item (its text_sha1 differs)
    foreign: list[Any]  # a key of ours, the item's text_sha1 or none, and other text: not ours


def sort_tasks(tasks: list[Any], key: str, items: dict[str, dict], fields: tuple[str, ...]) -> ServerTasks:
    """Sort a project's tasks. A task with a key of ours that does not show the item never gets
    predictions; one injected or edited outside the pipeline is never deleted and is named."""
    sorted_tasks = ServerTasks({}, [], [], [])
    for task in sorted(tasks, key=lambda t: t.id):
        data = dict(task.data)
        item_key = data.get(key)
        item = items.get(item_key)
        if shows_item(data, item, fields):
            if item_key in sorted_tasks.own:
                sorted_tasks.duplicates.append(task)
            else:
                sorted_tasks.own[item_key] = task
        elif data.get("text_sha1") and item is not None and data["text_sha1"] != item.get("text_sha1"):
            sorted_tasks.outdated.append(task)
        else:
            sorted_tasks.foreign.append(task)
    return sorted_tasks


def remove_duplicate_tasks(
    client: Any, project_id: int, key: str, items: dict[str, dict], fields: tuple[str, ...]
) -> int:
    """Tasks imported twice for one item (by pushes that ran at once): keep the oldest of each;
    name the foreign tasks that share a key and leave them alone."""
    tasks = sort_tasks(list(client.tasks.list(project=project_id, fields="all")), key, items, fields)
    for task in tasks.foreign:
        warn(
            f"Label Studio task {task.id} carries {key} {task.data.get(key)!r} but does not show that item's text "
            "(added or edited outside the pipeline): left alone, no predictions attached"
        )
    removed = 0
    for task in tasks.duplicates:
        removed += _delete_if_unannotated(lambda t=task: client.tasks.delete(id=t.id), task, f"task {task.id}")
    return removed


Known = dict[str, tuple[int, dict[str, list[int]], dict]]  # key -> (task id, prediction ids by version, data)


def existing_tasks(client: Any, project_id: int, key: str, items: dict[str, dict], fields: tuple[str, ...]) -> Known:
    """The task that shows each item, by pipeline key: (task id, its predictions' ids by model
    version, task data). Foreign tasks with a key of ours are not among them (see ``sort_tasks``)."""
    found: Known = {}
    tasks = sort_tasks(list(client.tasks.list(project=project_id, fields="all")), key, items, fields)
    for task in tasks.own.values():
        versions: dict[str, list[int]] = {}
        for prediction in task.predictions or []:
            plain = prediction if isinstance(prediction, dict) else prediction.dict()
            versions.setdefault(plain.get("model_version") or "", []).append(plain.get("id"))
        found[task.data.get(key)] = (task.id, versions, dict(task.data))
    for number, task in enumerate(tasks.outdated):  # an older text of an item: superseded, never updated
        found[f"{task.data.get(key)} (outdated task {task.id}, {number})"] = (task.id, {}, dict(task.data))
    return found


def replace_predictions(client: Any, known: Known, keys: list[str], version: str) -> int:
    """One current prediction per task: the older versions' predictions of these tasks go (they
    are machine output; annotations are never touched)."""
    removed = 0
    for item_key in keys:
        for old_version, ids in known[item_key][1].items():
            for prediction_id in ids if old_version != version else []:
                with suppress(Exception):  # already gone: nothing to do
                    client.predictions.delete(id=prediction_id)
                    removed += 1
    return removed


def mark_superseded(client: Any, known: Known, current: set[str], version: str) -> int:
    """Tasks whose item is no longer in the corpus (its text changed, or its document left) get a
    visible, filterable ``superseded`` field; they and their annotations are never deleted."""
    marked = 0
    for key, (task_id, _, data) in known.items():
        if key not in current and not str(data.get(SUPERSEDED, "")).startswith("yes"):
            note = f"yes: no longer in the corpus as of model version {version}; see the task with the new text"
            client.tasks.update(id=task_id, data={**data, SUPERSEDED: note})
            marked += 1
    return marked


def canonical_url(url: str) -> str:
    """scheme://ip:port of a server URL, so that spellings of one server share a lock."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url.rstrip("/"))
    host = parts.hostname or "127.0.0.1"
    with suppress(OSError):
        host = socket.gethostbyname(host)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{host}:{port}{parts.path}"


@contextmanager
def push_lock(client: Any, kind: str) -> Iterator[None]:
    """One push per server and project at a time on this machine, whatever the URL's spelling
    (``http://localhost:8080/`` is ``http://127.0.0.1:8080``). Pushes from other machines are
    not seen here: the server-side checks (``ensure_project``, ``remove_duplicate_tasks``) make
    them converge."""
    import hashlib

    name = hashlib.sha1(f"{canonical_url(client._client_wrapper.get_base_url())}|{kind}".encode()).hexdigest()[:16]
    with exclusive_lock(private_dir("corpus-labelstudio") / f"push-{name}.lock"):
        yield


def push(client: Any, kind: str, corpus: Path, configs: Path, batch_size: int = 500) -> dict[str, Any]:
    with push_lock(client, kind):
        return _push(client, kind, corpus, configs, batch_size)


def _push(client: Any, kind: str, corpus: Path, configs: Path, batch_size: int) -> dict[str, Any]:
    items, version = build_items(kind, corpus, configs.parent)
    interface = label_interface(kind, configs)
    key, fields = KEY_FIELD[kind], SHOWN_FIELDS[kind]
    by_key = {data[key]: data for data, _ in items}
    for data, result in items:
        validate_result(interface, data, result, f"{kind} task {data[key]}")
    sent, pending, new = 0, 0, []
    try:
        project = with_retries(lambda: ensure_project(client, kind, configs))
        known = with_retries(lambda: existing_tasks(client, project.id, key, by_key, fields))
        new = [(d, r) for d, r in items if d[key] not in known]
        stale_keys = {d[key] for d, _ in items if d[key] in known and version not in known[d[key]][1]}
        stale = [(known[d[key]][0], r) for d, r in items if d[key] in stale_keys]
        with tqdm(total=len(new), desc=f"push {kind}", unit="task", disable=None) as bar:
            for begin in range(0, len(new), batch_size):
                chunk = new[begin : begin + batch_size]
                pending = len(chunk)  # from here until the answer, the server may or may not have them
                client.projects.import_tasks(  # not idempotent: never retried blindly
                    id=project.id,
                    request=[{"data": d, "predictions": [{"model_version": version, "result": r}]} for d, r in chunk],
                )
                sent, pending = sent + len(chunk), 0
                bar.update(len(chunk))
        if stale:
            from label_studio_sdk import PredictionRequest

            for begin in range(0, len(stale), batch_size):
                chunk = stale[begin : begin + batch_size]
                client.projects.import_predictions(
                    id=project.id,
                    request=[PredictionRequest(task=task_id, result=r, model_version=version) for task_id, r in chunk],
                )
            replace_predictions(client, known, sorted(stale_keys), version)
        duplicates = remove_duplicate_tasks(client, project.id, key, by_key, fields)
        superseded = mark_superseded(client, known, {d[key] for d, _ in items}, version)
        client.projects.update(id=project.id, model_version=version, show_collab_predictions=True)
    except Exception as error:
        if not is_server_failure(error):
            raise
        uncertain = f"; the import of {pending} more may have been committed" if pending else ""
        done = f"{sent} of {len(new)} new tasks were imported for certain" if new else "no task was imported"
        raise StageError(
            f"push {kind}: Label Studio failed ({describe_failure(error)}): {done}{uncertain}. What was imported "
            "stays. Re-run `corpus annotate push`: it checks the server and adds only what is missing."
        ) from None
    return {
        "project": project.id,
        "model_version": version,
        "tasks_added": len(new),
        "predictions_added": len(stale),
        "tasks_superseded": superseded,
        "duplicates_removed": duplicates,
        "tasks_total": len(known) + len(new),
    }


def export_snapshot(client: Any, project_id: int, timeout: float = 120.0) -> list[dict]:
    """Snapshot export (JSON) with full predictions and annotations (JSON_MIN drops relations).

    The SDK's ``as_json`` falls back to the legacy sync export on Community editions, which
    lists predictions by id only; the snapshot API is used directly instead.
    """
    exports = client.projects.exports
    snapshot = exports.create(
        project_id,
        title=f"corpus pull {time.strftime('%Y-%m-%dT%H:%M:%S')}",
        serialization_options={"predictions": {"only_id": False}},
    )
    deadline = time.monotonic() + timeout
    while getattr(snapshot, "status", "completed") not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise StageError(f"project {project_id}: export {snapshot.id} not ready after {timeout:.0f} s")
        time.sleep(0.5)
        snapshot = with_retries(partial(exports.get, project_id, snapshot.id))
    if snapshot.status == "failed":
        raise StageError(f"project {project_id}: Label Studio reports export {snapshot.id} failed")
    payload = with_retries(lambda: b"".join(exports.download(project_id, snapshot.id, export_type="JSON")))
    try:
        raw = json.loads(payload)
    except ValueError:
        raise StageError(f"project {project_id}: export {snapshot.id} is not JSON") from None
    if not isinstance(raw, list):
        raise StageError(f"project {project_id}: export is not a list of tasks")
    for number, task in enumerate(raw):
        if not isinstance(task, dict) or "data" not in task or not isinstance(task.get("annotations", []), list):
            raise StageError(f"project {project_id}: export task #{number} has no data/annotations")
        if any(not isinstance(p, dict) for p in task.get("predictions", [])):
            raise StageError(f"project {project_id}: export task #{number} lists predictions by id only")
    return raw


def pull(client: Any, kind: str, out_dir: Path, corpus: Path) -> dict[str, Any]:
    return pull_all(client, [kind], out_dir, corpus)[kind]


def pull_all(client: Any, kinds: list[str], out_dir: Path, corpus: Path) -> dict[str, dict[str, Any]]:
    """Export every project first, then write: a failure in any leaves ``annotations/`` as it was."""
    fetched = {kind: _fetch(client, kind, corpus) for kind in kinds}
    for kind, (exported, rows, _) in fetched.items():
        write_json(out_dir / f"{kind}.json", exported)
        write_jsonl(human_file(out_dir, kind), rows)
    return {kind: summary for kind, (_, _, summary) in fetched.items()}


def _fetch(client: Any, kind: str, corpus: Path) -> tuple[list[dict], list[Review], dict[str, Any]]:
    try:
        project = with_retries(lambda: next((p for p in client.projects.list() if p.title == PROJECTS[kind]), None))
        if project is None:
            raise StageError(f"no Label Studio project {PROJECTS[kind]!r}; run `corpus annotate push {kind}` first")
        exported = export_snapshot(client, project.id)
    except Exception as error:
        if not is_server_failure(error):
            raise
        raise StageError(
            f"pull {kind}: Label Studio failed ({describe_failure(error)}) before the export was complete; "
            "nothing in annotations/ was changed. Re-run `corpus annotate pull` when the server is back."
        ) from None
    rows = human_rows(kind, exported, current_fingerprints(kind, corpus))
    stale = sum(r.stale for r in rows)
    summary = {"project": project.id, "tasks": len(exported), "annotated": len(rows), "stale": stale}
    return exported, rows, summary
