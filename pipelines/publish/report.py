"""The run report: one self-contained HTML page (``templates/report.html``, Jinja2).

Everything comes from the stages' outputs and metrics; plots are matplotlib PNGs embedded
as data URIs (no CDN, no JavaScript), so the file can be mailed or archived.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.core.records import Alignment, Provenance, Sentence, Translation

TEMPLATES = Path(__file__).parent / "templates"


def _figure_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_chart(title: str, counts: dict[str, dict[str, int]]) -> str:
    plt = _pyplot()
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


def histogram(scores: list[float], threshold: float, what: str) -> str:
    """``scores`` of German sentences (``what`` they are) with the ``threshold`` that judges them."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(scores, bins=20, color="#4363d8")
    axis.axvline(threshold, color="#e6194b", linestyle="--", label=f"threshold {threshold}")
    axis.set_xlabel(what)
    axis.set_ylabel("German sentences")
    axis.legend()
    uri = _figure_uri(figure)
    plt.close(figure)
    return uri


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def annotation_parts(agreement: dict[str, Any]) -> list[dict[str, Any]]:
    """What people reviewed, per project kind; empty until annotations are pulled."""
    if not agreement or not any(part.get("reviewed") for part in agreement.values()):
        return []
    parts = []
    for kind, part in agreement.items():
        rate = part.get("match_accept_rate")
        controls = []
        for control in ("entities", "triggers"):
            rows = [
                [
                    label,
                    v.get("tp", 0),
                    v.get("fp", 0),
                    v.get("fn", 0),
                    _ratio(v.get("precision")),
                    _ratio(v.get("recall")),
                ]
                for label, v in part.get(control, {}).items()
            ]
            if rows:
                controls.append({"name": control, "rows": rows})
        parts.append(
            {
                "kind": kind,
                "reviewed": part.get("reviewed", 0),
                "items": part.get("items", 0),
                "stale": part.get("stale_annotations", 0),
                "accept_rate": ("n/a" if rate is None else f"{rate:.1%}") if kind == "alignment" else None,
                "controls": controls,
            }
        )
    return parts


def _row(a: Alignment) -> list[str]:
    return [f"{a.score:.3f}", a.status, a.src_text, a.candidate()[2] or "", a.candidate()[1] or ""]


def borderline(alignments: list[Alignment], threshold: float, count: int = 10) -> dict[str, list[list[str]]]:
    """The pairs nearest the threshold on each side, as the align stage decided them (a row's
    status): what to look at when tuning it."""
    scored = [a for a in alignments if a.score is not None]
    above = sorted((a for a in scored if a.status == "match"), key=lambda a: abs(a.score - threshold))[:count]
    below = sorted((a for a in scored if a.status != "match"), key=lambda a: abs(a.score - threshold))[:count]
    return {"above": [_row(a) for a in above], "below": [_row(a) for a in below]}


def translation_summary(translations: list[Translation]) -> dict[str, Any]:
    """Mean quality estimate, flagged and retried rows: the export's metrics and the report's figures."""
    scores = [t.quality for t in translations if t.quality is not None]
    return {
        "mean": round(float(np.mean(scores)), 4) if scores else None,
        "flagged": sum(t.flagged for t in translations),
        "retried": sum(t.attempts > 1 for t in translations),
        "rejected": sum(t.rejected is not None for t in translations),
        "human": sum(t.translation_source.startswith("human") for t in translations),
    }


def translation_part(translations: list[Translation], min_quality: float, count: int = 10) -> dict[str, Any]:
    """The quality estimates' distribution and the worst translations (flagged first, then lowest)."""
    scored = [t for t in translations if t.quality is not None]
    worst = sorted(scored, key=lambda t: (not t.flagged, t.quality))[:count]
    summary = translation_summary(translations)
    return {
        **summary,
        "rows": len(translations),
        "mean": "n/a" if summary["mean"] is None else f"{summary['mean']:.3f}",
        "histogram": histogram([t.quality for t in scored], min_quality, "quality estimate (cosine)")
        if scored
        else None,
        "worst": [
            [f"{t.quality:.3f}", "; ".join(t.flags) or "-", t.source, t.text or f"(rejected) {t.rejected}"]
            for t in worst
        ],
    }


POST_EDITING_COLUMNS = (
    "engine", "model", "prompt", "post_edits", "good_as_is", "edited", "cannot", "hter", "chrf_mt_vs_post_edit",
    "chrf_now_vs_post_edit", "quality_vs_edit_rate_pearson",
)  # fmt: skip


def post_editing_row(figures: dict[str, Any]) -> list[Any]:
    return [figures[column] for column in POST_EDITING_COLUMNS]


def document_pairs(alignments: list[Alignment]) -> list[list[Any]]:
    """Per German document, the English document its sentences match (or would match) most."""
    matches: Counter = Counter()
    candidates: Counter = Counter()
    for row in alignments:
        target = row.candidate()[1]
        if target is not None:
            candidates[(row.src_doc, target)] += 1
            matches[(row.src_doc, target)] += row.status == "match"
    best: dict[str, tuple[str, int]] = {}
    for (src, tgt), n in sorted(candidates.items()):
        if src not in best or (matches[(src, tgt)], n) > (matches[(src, best[src][0])], best[src][1]):
            best[src] = (tgt, n)
    return [[src, tgt, matches[(src, tgt)], n] for src, (tgt, n) in sorted(best.items())]


def build(
    sentences: list[Sentence],
    translations: list[Translation],
    alignments: list[Alignment],
    metrics: dict[str, dict[str, Any]],
    threshold: float,
    min_quality: float,
    taggers: list[Provenance] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The HTML page and the figures it shows (returned for tests and callers)."""
    import jinja2

    per_document = Counter((s.doc_id, s.lang) for s in sentences)
    scores = [a.score for a in alignments if a.score is not None]
    engines = sorted(
        {("segment", s.provenance.engine, s.provenance.model or "") for s in sentences}
        | {("translate", t.provenance.engine, t.provenance.model or "") for t in translations}
        | {("align", a.provenance.engine, a.provenance.model or "") for a in alignments}
        | {("tag", p.engine, p.model or "") for p in taggers or []}
    )
    tag_metrics = metrics.get("tag", {})
    figures = {
        "sentences_per_document": {f"{doc} ({lang})": n for (doc, lang), n in sorted(per_document.items())},
        "alignment": metrics.get("align", {}),
        "entities": tag_metrics.get("entities", {}),
        "events": tag_metrics.get("events", {}),
        "export_rows": metrics.get("export", {}).get("rows", {}),
        "agreement": metrics.get("agreement", {}),
        "post_editing": metrics.get("export", {}).get("post_editing", []),
    }
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    page = environment.get_template("report.html").render(
        documents=list(figures["sentences_per_document"].items()),
        alignment={"matches": figures["alignment"].get("matches", 0), "rows": figures["alignment"].get("rows", 0)},
        threshold=threshold,
        histogram=histogram(scores, threshold, "ratio-margin score of the best candidate") if scores else None,
        translation=translation_part(translations, min_quality),
        borderline=borderline(alignments, threshold),
        document_pairs=document_pairs(alignments),
        summary={
            "documents": dict(sorted(Counter(lang for _, lang in per_document).items())),
            "sentences": dict(sorted(Counter(s.lang for s in sentences).items())),
        },
        entity_chart=bar_chart("Entities by type", figures["entities"]) if figures["entities"] else None,
        event_chart=bar_chart("Events by PLOVER type", figures["events"]) if figures["events"] else None,
        entity_counts=[[lang, label, n] for lang, per in figures["entities"].items() for label, n in per.items()],
        event_counts=[[lang, label, n] for lang, per in figures["events"].items() for label, n in per.items()],
        gloss=any(t.provenance.engine == "gloss" for t in translations),
        engines=[list(e) for e in engines],
        annotation=annotation_parts(figures["agreement"]),
        export_rows=[[k, v.get("train", 0)] for k, v in figures["export_rows"].items()],
        post_editing=[post_editing_row(p) for p in figures["post_editing"]],
    )
    return page, figures
