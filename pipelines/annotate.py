"""Label Studio round trip: serve locally, push pre-annotations, pull corrections, merge.

- ``serve`` runs the real Label Studio server on 127.0.0.1 with its data under
  ``annotations/.labelstudio`` (git-ignored), analytics and error reporting off and open
  sign-up disabled. The admin user and API token come from ``LABEL_STUDIO_USERNAME`` /
  ``LABEL_STUDIO_PASSWORD`` / ``LABEL_STUDIO_API_KEY``; when absent they are generated
  once, stored in ``<data dir>/credentials.json`` (mode 600) and printed that one time.
- ``push`` creates or updates two projects (tagging, alignment review) and imports one task
  per sentence / alignment, keyed by the pipeline's stable ids, with the stages' output as
  predictions. Predictions are validated before they are sent (the server accepts
  garbage). Re-pushing adds only new tasks, and adds a prediction to an existing task only
  for a new model version.
- ``pull`` downloads a snapshot export with full predictions and annotations, checks it,
  then replaces ``annotations/<project>.json`` and ``annotations/<project>.human.jsonl``
  atomically: a failed pull overwrites nothing.
- :func:`merge` prefers human annotations over predictions per item, with provenance.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from tqdm import tqdm

from pipelines.config import StageError
from pipelines.records import read_jsonl, text_hash, write_json, write_jsonl

ANNOTATIONS = Path("annotations")
CONFIGS = ANNOTATIONS / "configs"
DATA_DIR = ANNOTATIONS / ".labelstudio"
PROJECTS = {
    "tagging": "Corpus · entities and events",
    "alignment": "Corpus · alignment review",
}
KEY_FIELD = {"tagging": "sent_id", "alignment": "align_id"}

app = typer.Typer(help="Label Studio: serve, push pre-annotations, pull corrections.", no_args_is_help=True)


# --- server -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    token: str


def load_credentials(data_dir: Path = DATA_DIR, create: bool = False) -> Credentials:
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
    data_dir.mkdir(parents=True, exist_ok=True)
    stored_path.write_text(json.dumps(credentials.__dict__))
    stored_path.chmod(0o600)
    print(
        f"Generated Label Studio credentials (shown once, stored in {stored_path}):\n"
        f"  user: {credentials.username}\n  password: {credentials.password}\n  API token: {credentials.token}",
        file=sys.stderr,
    )
    return credentials


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    data_dir.mkdir(parents=True, exist_ok=True)
    executable = Path(sys.executable).with_name("label-studio")
    command = [
        str(executable) if executable.exists() else "label-studio",
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir.resolve()),
    ]
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the server outlives this call
    return subprocess.Popen(
        command,
        env=server_environment(data_dir, credentials),
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


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


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def copy_template(template: Path, data_dir: Path) -> None:
    """Start from a pre-migrated empty database (~6 s start) instead of migrating (~60 s)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for item in template.iterdir():
        target = data_dir / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)


# --- client -------------------------------------------------------------------------------------


def connect(url: str | None = None, api_key: str | None = None, data_dir: Path = DATA_DIR) -> Any:
    """An SDK client for LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY (or the local server's stored token)."""
    from label_studio_sdk import LabelStudio

    url = (url or os.environ.get("LABEL_STUDIO_URL") or "http://127.0.0.1:8080").rstrip("/")
    api_key = api_key or load_credentials(data_dir).token
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


# --- tasks and predictions ----------------------------------------------------------------------


def label_interface(kind: str, configs: Path = CONFIGS) -> Any:
    from label_studio_sdk.label_interface import LabelInterface

    return LabelInterface(config_text(kind, configs))


def config_text(kind: str, configs: Path = CONFIGS) -> str:
    path = configs / f"{kind}.xml"
    if not path.exists():
        raise StageError(f"{path}: labelling config missing")
    return path.read_text(encoding="utf-8")


def sha1(text: str) -> str:
    return text_hash(text, 40)


def _span_region(region_id: str, control: str, start: int, end: int, text: str, label: str) -> dict:
    return {
        "id": region_id,
        "from_name": control,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def tagging_task(entities_row: Any, events_row: Any) -> tuple[dict, list[dict]]:
    """Task data and prediction result for one sentence (entities, triggers, relations, details)."""
    text = entities_row.text
    result: list[dict] = []
    region_of_span: dict[tuple[int, int], str] = {}
    for entity in entities_row.entities:
        region_id = f"{entity.ent_id}-{entity.start}"
        region_of_span[(entity.start, entity.end)] = region_id
        result.append(_span_region(region_id, "entities", entity.start, entity.end, entity.text, entity.label))
    for number, event in enumerate(events_row.events):
        trigger = event.trigger
        trigger_id = f"t{number}-{trigger.start}"
        result.append(_span_region(trigger_id, "triggers", trigger.start, trigger.end, trigger.text, event.type))
        span_value = {"start": trigger.start, "end": trigger.end, "text": trigger.text}
        if event.cameo:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "cameo",
                    "to_name": "text",
                    "type": "choices",
                    "value": {**span_value, "choices": [event.cameo]},
                }
            )
        if event.mode:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "mode",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**span_value, "text": [event.mode]},
                }
            )
        flags = [name for name, on in (("negated", event.negated), ("historical", event.historical)) if on]
        if flags:
            result.append(
                {
                    "id": trigger_id,
                    "from_name": "flags",
                    "to_name": "text",
                    "type": "choices",
                    "value": {**span_value, "choices": flags},
                }
            )
        arguments = [("actor", a) for a in event.actor] + [("recipient", a) for a in event.recipient]
        arguments += [("time", event.date)] if event.date else []
        arguments += [("place", event.location)] if event.location else []
        for role, argument in arguments:
            target = region_of_span.get((argument.start, argument.end))
            if target is not None:
                result.append(
                    {"type": "relation", "from_id": trigger_id, "to_id": target, "direction": "right", "labels": [role]}
                )
    data = {
        "sent_id": entities_row.sent_id,
        "doc_id": entities_row.doc_id,
        "lang": entities_row.lang,
        "text": text,
        "text_sha1": sha1(text),
    }
    return data, result


def alignment_task(row: Any) -> tuple[dict, list[dict]]:
    candidate_ids, candidate_doc, candidate = row.candidate()
    candidate_doc, candidate = candidate_doc or "", candidate or ""
    data = {
        "align_id": row.align_id,
        "src_ids": row.src_ids,
        "tgt_ids": candidate_ids,
        "src_doc": row.src_doc,
        "tgt_doc": candidate_doc,
        "src_text": row.src_text,
        "translation": row.translation or "",
        "translation_engine": row.translation_engine or "none",
        "tgt_text": candidate,
        "score": row.score,
        "status": row.status,
        "method": row.method,
        "text_sha1": sha1(row.src_text + "\n" + candidate),
    }
    verdict = "correct" if row.status == "match" else "incorrect"
    result = [
        {"id": "verdict", "from_name": "verdict", "to_name": "src", "type": "choices", "value": {"choices": [verdict]}}
    ]
    return data, result


def validate_result(interface: Any, data: dict, result: list[dict], where: str) -> None:
    """What the server does not check: config names/labels, span text, relation ends."""
    problems = interface.validate_prediction({"result": result}, return_errors=True)
    problems = (
        []
        if problems is True
        else [str(p) for item in (problems or []) for p in (item if isinstance(item, list) else [item])]
    )
    region_ids = {r["id"] for r in result if r.get("type") != "relation"}
    for region in result:
        if region.get("type") == "relation":
            for end in ("from_id", "to_id"):
                if region[end] not in region_ids:
                    problems.append(f"relation {region[end]!r} points to no region")
            continue
        value = region.get("value", {})
        if "start" in value and region.get("type") != "textarea":
            text = data.get(region["to_name"], "")
            if text[value["start"] : value["end"]] != value.get("text"):
                problems.append(
                    f"region {region['id']}: text[{value['start']}:{value['end']}] is "
                    f"{text[value['start'] : value['end']]!r}, not {value.get('text')!r}"
                )
    if problems:
        raise StageError(f"{where}: invalid prediction: " + "; ".join(problems))


def model_version(kind: str, provenances: list[Any]) -> str:
    """A readable, content-derived version of the engines that produced the predictions."""
    described = sorted({f"{p.engine}|{p.model}|{p.version}" for p in provenances})
    rules = ""
    if kind == "tagging":
        data = Path(__file__).parent / "data"
        rules = "".join((data / name).read_text() for name in ("event_rules.yaml", "entity_labels.yaml"))
    engines = "+".join(sorted({p.engine for p in provenances}))
    return f"{kind}:{engines}:{text_hash(json.dumps(described) + rules, 10)}"


def build_items(kind: str, corpus: Path = Path("corpus")) -> tuple[list[tuple[dict, list[dict]]], str]:
    if kind == "tagging":
        from pipelines.tag import SentenceEntities, SentenceEvents

        entities = list(read_jsonl(corpus / "entities.jsonl", SentenceEntities))
        events = {r.sent_id: r for r in read_jsonl(corpus / "events.jsonl", SentenceEvents)}
        items = [tagging_task(row, events[row.sent_id]) for row in entities]
        return items, model_version(kind, [r.provenance for r in entities])
    if kind == "alignment":
        from pipelines.align import Alignment

        rows = list(read_jsonl(corpus / "alignments.jsonl", Alignment))
        return [alignment_task(r) for r in rows], model_version(kind, [r.provenance for r in rows])
    raise StageError(f"unknown project kind {kind!r}; use tagging or alignment")


def ensure_project(client: Any, kind: str, configs: Path = CONFIGS) -> Any:
    title = PROJECTS[kind]
    label_config = config_text(kind, configs)
    existing = [p for p in client.projects.list() if p.title == title]
    if existing:
        project = existing[0]
        if project.label_config != label_config:
            client.projects.update(id=project.id, label_config=label_config)
        return project
    return client.projects.create(
        title=title,
        label_config=label_config,
        description=f"Managed by the corpus pipeline (`corpus annotate push {kind}`). Task key: {KEY_FIELD[kind]}.",
    )


def existing_tasks(client: Any, project_id: int, key: str) -> dict[str, tuple[int, set[str]]]:
    found: dict[str, tuple[int, set[str]]] = {}
    for task in client.tasks.list(project=project_id, fields="all"):
        versions = set()
        for prediction in task.predictions or []:
            version = prediction.get("model_version") if isinstance(prediction, dict) else prediction.model_version
            versions.add(version or "")
        found[task.data.get(key)] = (task.id, versions)
    return found


def push(
    client: Any, kind: str, corpus: Path = Path("corpus"), configs: Path = CONFIGS, batch_size: int = 500
) -> dict[str, Any]:
    items, version = build_items(kind, corpus)
    interface = label_interface(kind, configs)
    key = KEY_FIELD[kind]
    for data, result in items:
        validate_result(interface, data, result, f"{kind} task {data[key]}")
    project = ensure_project(client, kind, configs)
    known = existing_tasks(client, project.id, key)
    new = [(d, r) for d, r in items if d[key] not in known]
    stale = [(known[d[key]][0], r) for d, r in items if d[key] in known and version not in known[d[key]][1]]
    with tqdm(total=len(new), desc=f"push {kind}", unit="task", disable=None) as bar:
        for begin in range(0, len(new), batch_size):
            chunk = new[begin : begin + batch_size]
            client.projects.import_tasks(
                id=project.id,
                request=[{"data": d, "predictions": [{"model_version": version, "result": r}]} for d, r in chunk],
            )
            bar.update(len(chunk))
    if stale:
        from label_studio_sdk import PredictionRequest

        for begin in range(0, len(stale), batch_size):
            chunk = stale[begin : begin + batch_size]
            client.projects.import_predictions(
                id=project.id,
                request=[PredictionRequest(task=task_id, result=r, model_version=version) for task_id, r in chunk],
            )
    client.projects.update(id=project.id, model_version=version, show_collab_predictions=True)
    return {
        "project": project.id,
        "model_version": version,
        "tasks_added": len(new),
        "predictions_added": len(stale),
        "tasks_total": len(known) + len(new),
    }


# --- pull -------------------------------------------------------------------------------------


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
        snapshot = exports.get(project_id, snapshot.id)
    if snapshot.status == "failed":
        raise StageError(f"project {project_id}: Label Studio reports export {snapshot.id} failed")
    payload = b"".join(exports.download(project_id, snapshot.id, export_type="JSON"))
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


def human_rows(kind: str, exported: list[dict], current: dict[str, str]) -> list[dict]:
    """The latest submitted (not cancelled) annotation per task, keyed by the pipeline id.

    ``current`` maps keys to the text hash the corpus has now; an annotation made on other
    text is kept, marked ``stale`` (never dropped).
    """
    key = KEY_FIELD[kind]
    rows = []
    for task in exported:
        annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        if not annotations:
            continue
        latest = max(annotations, key=lambda a: (a.get("updated_at") or "", a["id"]))
        item = task["data"].get(key)
        rows.append(
            {
                "key": item,
                "kind": kind,
                "task_id": task["id"],
                "annotation_id": latest["id"],
                "completed_by": latest.get("completed_by"),
                "updated_at": latest.get("updated_at"),
                "text_sha1": task["data"].get("text_sha1"),
                "stale": current.get(item) != task["data"].get("text_sha1"),
                "result": latest.get("result", []),
            }
        )
    return sorted(rows, key=lambda r: str(r["key"]))


def pull(client: Any, kind: str, out_dir: Path = ANNOTATIONS, corpus: Path = Path("corpus")) -> dict[str, Any]:
    project = next((p for p in client.projects.list() if p.title == PROJECTS[kind]), None)
    if project is None:
        raise StageError(f"no Label Studio project {PROJECTS[kind]!r}; run `corpus annotate push {kind}` first")
    exported = export_snapshot(client, project.id)
    items, _ = build_items(kind, corpus)
    current = {d[KEY_FIELD[kind]]: d["text_sha1"] for d, _ in items}
    rows = human_rows(kind, exported, current)
    # only now that everything parsed: replace both files (each atomically)
    write_json(out_dir / f"{kind}.json", exported)
    write_jsonl(out_dir / f"{kind}.human.jsonl", rows)
    return {
        "project": project.id,
        "tasks": len(exported),
        "annotated": len(rows),
        "stale": sum(r["stale"] for r in rows),
    }


# --- merge and agreement ------------------------------------------------------------------------


def read_human(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    rows = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
                rows[row["key"]] = row
            except (ValueError, KeyError):
                raise StageError(f"{path}:{number}: not a human-annotation row") from None
    return rows


def merge(predicted: dict[str, Any], human: dict[str, dict], version: str) -> dict[str, tuple[str, Any]]:
    """Per item: the human annotation (unless stale) wins over the prediction; with provenance."""
    merged: dict[str, tuple[str, Any]] = {}
    for key, value in predicted.items():
        row = human.get(key)
        if row is not None and not row["stale"]:
            merged[key] = ("human", row["result"])
        else:
            merged[key] = (f"model:{version}", value)
    return merged


def _labelled_spans(result: list[dict], control: str) -> set[tuple[int, int, str]]:
    return {
        (r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
        for r in result
        if r.get("from_name") == control and r.get("value", {}).get("labels")
    }


def agreement(kind: str, predicted: dict[str, list[dict]], human: dict[str, dict]) -> dict[str, Any]:
    """Model vs human on the items people reviewed: per-label P/R/F1, or the accept rate."""
    reviewed = [k for k, row in human.items() if not row["stale"] and k in predicted]
    if kind == "alignment":
        verdicts = Counter()
        for key in reviewed:
            choice = next(
                (r["value"]["choices"][0] for r in human[key]["result"] if r.get("from_name") == "verdict"), None
            )
            model = predicted[key][0]["value"]["choices"][0]
            verdicts[(model, choice)] += 1
        said_match = sum(v for (m, _), v in verdicts.items() if m == "correct")
        accepted = verdicts[("correct", "correct")]
        return {
            "reviewed": len(reviewed),
            "matches_reviewed": said_match,
            "match_accept_rate": accepted / said_match if said_match else None,
            "verdicts": {f"{m}->{c}": v for (m, c), v in sorted(verdicts.items())},
        }
    figures: dict[str, Any] = {"reviewed": len(reviewed)}
    for control in ("entities", "triggers"):
        counts: dict[str, Counter] = defaultdict(Counter)
        for key in reviewed:
            model = _labelled_spans(predicted[key], control)
            gold = _labelled_spans(human[key]["result"], control)
            for span in model & gold:
                counts[span[2]]["tp"] += 1
            for span in model - gold:
                counts[span[2]]["fp"] += 1
            for span in gold - model:
                counts[span[2]]["fn"] += 1
        per_label = {}
        for label, c in sorted(counts.items()):
            precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
            recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
            per_label[label] = {**dict(c), "precision": precision, "recall": recall}
        figures[control] = per_label
    return figures


# --- CLI -----------------------------------------------------------------------------------------


@app.command("serve")
def serve_command(
    port: int = typer.Option(8080, help="port on 127.0.0.1"),
    data_dir: Path = typer.Option(DATA_DIR, help="Label Studio data directory (git-ignored)"),
) -> None:
    """Run a local Label Studio (127.0.0.1 only) until interrupted."""
    credentials = load_credentials(data_dir, create=True)
    process = start_server(data_dir, port, credentials, log=data_dir / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        typer.echo(f"Label Studio is up at {url} (user {credentials.username}); log: {data_dir / 'server.log'}")
        typer.echo("Stop with Ctrl-C.")
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(process)


@app.command("push")
def push_command(
    kind: list[str] = typer.Argument(None, help="tagging and/or alignment (default: both)"),
    url: str = typer.Option(None, envvar="LABEL_STUDIO_URL", help="server URL"),
    corpus: Path = typer.Option(Path("corpus"), help="corpus folder"),
) -> None:
    """Create/update the projects and import tasks with predictions (idempotent)."""
    client = connect(url)
    for name in kind or list(PROJECTS):
        typer.echo(json.dumps({name: push(client, name, corpus)}))


@app.command("pull")
def pull_command(
    kind: list[str] = typer.Argument(None, help="tagging and/or alignment (default: both)"),
    url: str = typer.Option(None, envvar="LABEL_STUDIO_URL", help="server URL"),
    out: Path = typer.Option(ANNOTATIONS, help="where pulled annotations go"),
    corpus: Path = typer.Option(Path("corpus"), help="corpus folder"),
) -> None:
    """Snapshot-export annotations and predictions into annotations/ (atomic)."""
    client = connect(url)
    for name in kind or list(PROJECTS):
        typer.echo(json.dumps({name: pull(client, name, out, corpus)}))


def agreement_report(corpus: Path = Path("corpus"), annotations: Path = ANNOTATIONS) -> dict[str, Any]:
    report = {}
    for kind in PROJECTS:
        items, version = build_items(kind, corpus)
        predicted = {d[KEY_FIELD[kind]]: r for d, r in items}
        human = read_human(annotations / f"{kind}.human.jsonl")
        report[kind] = {
            "model_version": version,
            "items": len(predicted),
            "stale_annotations": sum(r["stale"] for r in human.values()),
            **agreement(kind, predicted, human),
        }
    return report


@app.command("metrics")
def metrics_command(
    corpus: Path = typer.Option(Path("corpus"), help="corpus folder"),
    annotations: Path = typer.Option(ANNOTATIONS, help="pulled annotations"),
    out: Path = typer.Option(Path("corpus/metrics/agreement.json"), help="DVC metrics file"),
) -> None:
    """Model-vs-human agreement on pulled annotations (per-label P/R, alignment accept rate)."""
    report = agreement_report(corpus, annotations)
    write_json(out, report)
    typer.echo(json.dumps(report))
