"""Report stage: ``corpus/report.html``, one self-contained page about a corpus run.

Everything comes from the stages' outputs and metrics files; plots are matplotlib PNGs
embedded as data URIs (no CDN, no JavaScript), so the file can be mailed or archived.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from pipelines.align import Alignment
from pipelines.config import stage_params
from pipelines.records import Sentence, read_jsonl


def _figure_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _bar_chart(title: str, counts: dict[str, dict[str, int]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({label for per_lang in counts.values() for label in per_lang})
    figure, axis = plt.subplots(figsize=(7, 3))
    width = 0.8 / max(1, len(counts))
    for k, (lang, per_label) in enumerate(sorted(counts.items())):
        axis.bar([i + k * width for i in range(len(labels))], [per_label.get(x, 0) for x in labels], width, label=lang)
    axis.set_xticks([i + width * (len(counts) - 1) / 2 for i in range(len(labels))], labels, rotation=45, ha="right")
    axis.set_title(title)
    axis.legend()
    uri = _figure_uri(figure)
    plt.close(figure)
    return uri


def _histogram(scores: list[float], threshold: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(scores, bins=20, color="#4363d8")
    axis.axvline(threshold, color="#e6194b", linestyle="--", label=f"threshold {threshold}")
    axis.set_xlabel("ratio-margin score of the best candidate")
    axis.set_ylabel("German sentences")
    axis.legend()
    uri = _figure_uri(figure)
    plt.close(figure)
    return uri


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def build(corpus: Path = Path("corpus"), params_path: Path = Path("params.yaml")) -> tuple[str, dict[str, Any]]:
    """The HTML page and the figures it shows (returned for tests and callers)."""
    from pipelines.translate import Translation

    metrics = corpus / "metrics"
    align_metrics, tag_metrics = _load(metrics / "align.json"), _load(metrics / "tag.json")
    export_metrics, agreement = _load(metrics / "export.json"), _load(metrics / "agreement.json")
    threshold = float(stage_params("align", params_path).get("threshold", 1.3))
    sentences = [s for p in sorted((corpus / "sentences").glob("*.jsonl")) for s in read_jsonl(p, Sentence)]
    per_document = Counter((s.doc_id, s.lang) for s in sentences)
    alignments = list(read_jsonl(corpus / "alignments.jsonl", Alignment))
    translations = list(read_jsonl(corpus / "translations.jsonl", Translation))
    scores = [a.score for a in alignments if a.score is not None]
    top = sorted(alignments, key=lambda a: a.score or 0.0, reverse=True)[:10]
    engines = sorted(
        {("segment", s.provenance.engine, s.provenance.model or "") for s in sentences}
        | {("translate", t.provenance.engine, t.provenance.model or "") for t in translations}
        | {("align", a.provenance.engine, a.provenance.model or "") for a in alignments}
    )
    figures = {
        "sentences_per_document": {f"{doc} ({lang})": n for (doc, lang), n in sorted(per_document.items())},
        "alignment": align_metrics,
        "entities": tag_metrics.get("entities", {}),
        "events": tag_metrics.get("events", {}),
        "export_rows": export_metrics.get("rows", {}),
        "agreement": agreement,
    }
    gloss = any(t.provenance.engine == "gloss" for t in translations)
    sections = [
        "<h1>Corpus run report</h1>",
        "<p>German–English comparable corpus: what the pipeline produced in this run.</p>",
        "<h2>Documents</h2>",
        _table(["document", "sentences"], [[k, v] for k, v in figures["sentences_per_document"].items()]),
        "<h2>Alignment</h2>",
        f"<p>{align_metrics.get('matches', 0)} of {align_metrics.get('rows', 0)} German sentences matched "
        f"(threshold {threshold}); the rest say <em>no match</em>.</p>",
        f'<img alt="alignment score histogram" src="{_histogram(scores, threshold)}">' if scores else "",
        "<h3>Top candidates</h3>",
        _table(
            ["score", "status", "German", "English candidate", "English doc"],
            [
                [
                    f"{a.score:.3f}",
                    a.status,
                    a.src_text,
                    a.candidate()[2] or "",
                    a.candidate()[1] or "",
                ]
                for a in top
            ],
        ),
        "<h2>Entities and events</h2>",
        f'<img alt="entities by type" src="{_bar_chart("Entities by type", figures["entities"])}">'
        if figures["entities"]
        else "",
        f'<img alt="events by type" src="{_bar_chart("Events by PLOVER type", figures["events"])}">'
        if figures["events"]
        else "",
        _table(
            ["language", "label", "count"],
            [[lang, label, n] for lang, per in figures["entities"].items() for label, n in per.items()],
        ),
        _table(
            ["language", "event type", "count"],
            [[lang, label, n] for lang, per in figures["events"].items() for label, n in per.items()],
        ),
        "<h2>Engines and models</h2>",
        "<p><strong>Translation is a dictionary gloss, not machine translation.</strong></p>" if gloss else "",
        _table(["stage", "engine", "model"], [list(e) for e in engines]),
        "<h2>Annotation</h2>",
    ]
    if agreement and any(part.get("reviewed") for part in agreement.values()):
        for kind, part in agreement.items():
            sections.append(
                f"<h3>{html.escape(kind)}</h3><p>{part.get('reviewed', 0)} of {part.get('items', 0)} "
                f"items reviewed by people; {part.get('stale_annotations', 0)} stale.</p>"
            )
            if kind == "alignment":
                rate = part.get("match_accept_rate")
                sections.append(f"<p>Accept rate of predicted matches: {'n/a' if rate is None else f'{rate:.1%}'}</p>")
            for control in ("entities", "triggers"):
                rows = [
                    [
                        label,
                        v.get("tp", 0),
                        v.get("fp", 0),
                        v.get("fn", 0),
                        "n/a" if v.get("precision") is None else f"{v['precision']:.2f}",
                        "n/a" if v.get("recall") is None else f"{v['recall']:.2f}",
                    ]
                    for label, v in part.get(control, {}).items()
                ]
                if rows:
                    sections.append(_table([f"{control}: label", "tp", "fp", "fn", "precision", "recall"], rows))
    else:
        sections.append("<p>No human annotations pulled yet (<code>corpus annotate pull</code>).</p>")
    if figures["export_rows"]:
        sections += [
            "<h2>Export</h2>",
            _table(["config", "rows"], [[k, v.get("train", 0)] for k, v in figures["export_rows"].items()]),
        ]
    style = (
        "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
        "vertical-align:top;font-size:90%}th{background:#f3f3f3}img{max-width:100%}"
    )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Corpus report</title>'
        f"<style>{style}</style></head><body>{''.join(sections)}</body></html>"
    )
    return page, figures


def run(
    corpus: Path = Path("corpus"), out: Path = Path("corpus/report.html"), params_path: Path = Path("params.yaml")
) -> dict[str, Any]:
    page, figures = build(corpus, params_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return figures


def command(
    corpus: Path = typer.Option(Path("corpus"), help="corpus folder"),
    out: Path = typer.Option(Path("corpus/report.html"), help="report file"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Write a self-contained HTML report of the corpus run."""
    figures = run(corpus, out, params)
    typer.echo(f"{out}: {sum(figures['sentences_per_document'].values())} sentences")


if __name__ == "__main__":
    from pipelines.cli import run_command

    run_command(command)
