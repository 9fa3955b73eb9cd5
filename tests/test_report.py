"""Report: builds on the seed corpus and shows the figures from the metrics files."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from pipelines.stages import report

from .conftest import project_settings


def test_report_shows_the_metrics(full_corpus: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "metrics").mkdir(parents=True)
    (corpus / "sentences").symlink_to(full_corpus / "sentences")
    for name in ("translations.jsonl", "alignments.jsonl", "entities.jsonl"):
        (corpus / name).write_bytes((full_corpus / name).read_bytes())
    (corpus / "metrics" / "align.json").write_bytes((full_corpus / "metrics" / "align.json").read_bytes())
    (corpus / "metrics" / "tag.json").write_bytes((full_corpus / "tag_metrics.json").read_bytes())
    agreement = {
        "alignment": {"items": 16, "reviewed": 4, "stale_annotations": 1, "match_accept_rate": 0.5},
        "tagging": {
            "items": 201,
            "reviewed": 2,
            "stale_annotations": 0,
            "entities": {"GPE": {"tp": 3, "fp": 1, "fn": 2, "precision": 0.75, "recall": 0.6}},
        },
    }
    (corpus / "metrics" / "agreement.json").write_text(json.dumps(agreement))
    out = corpus / "report.html"
    settings = project_settings()
    settings = settings.model_copy(
        update={
            "align": settings.align.model_copy(update={"threshold": 1.3}),
            "translate": settings.translate.model_copy(update={"min_quality": 0.5}),
        }
    )
    figures = report.run(corpus, out, settings)
    page = html.unescape(out.read_text(encoding="utf-8"))

    align = json.loads((corpus / "metrics" / "align.json").read_text())
    assert f"{align['matches']} of {align['rows']} German sentences matched (threshold 1.3)" in page
    for path in sorted((full_corpus / "sentences").glob("*.jsonl")):
        lines = len(path.read_text().splitlines())
        assert re.search(rf"<td>{path.stem} \((de|en)\)</td><td>{lines}</td>", page)
    tag = json.loads((corpus / "metrics" / "tag.json").read_text())
    for lang, per_label in tag["entities"].items():
        for label, count in per_label.items():
            assert f"<td>{lang}</td><td>{label}</td><td>{count}</td>" in page
    assert figures["entities"] == tag["entities"]
    assert "Accept rate of predicted matches: 50.0%" in page
    assert "<td>GPE</td><td>3</td><td>1</td><td>2</td><td>0.75</td><td>0.60</td>" in page
    assert "Translation is a dictionary gloss, not machine translation." in page
    assert page.count("data:image/png;base64,") == 4  # translation quality, alignment scores, entities, events
    # the translations' quality: how many were flagged, and the worst ones with their reasons
    rows = [json.loads(line) for line in (corpus / "translations.jsonl").read_text().splitlines()]
    flagged = sum(r["flagged"] for r in rows)
    assert f"{len(rows)} German sentences translated" in page and f"{flagged} flagged" in page
    worst = min((r for r in rows if r["flagged"]), key=lambda r: r["quality"])
    assert f"<td>{worst['quality']:.3f}</td><td>{'; '.join(worst['flags'])}</td><td>{worst['source']}</td>" in page
    # summaries before the long tables, which are collapsed
    assert page.index("<h2>Summary</h2>") < page.index("<summary>Documents (4)</summary>")
    assert "<li>Documents: 1 de, 3 en; sentences: 16 de, 185 en</li>" in page
    # engines of every stage, tagging included
    for stage in ("segment", "translate", "align", "tag"):
        assert f"<tr><td>{stage}</td>" in page
    # borderline pairs on both sides of the threshold, nearest first
    rows = [json.loads(line) for line in (corpus / "alignments.jsonl").read_text().splitlines()]
    below = sorted((r["score"] for r in rows if r["score"] < 1.3), reverse=True)
    assert f"<td>{below[0]:.3f}</td><td>no_match</td>" in page
    assert "Accepted, lowest scores (0)" in page and f"Not accepted, highest scores ({min(10, len(below))})" in page
    # the document-pair table: the German article and the English page it is closest to
    assert re.search(r"<tr><td>de-dprk-cuba</td><td>en-[a-z-]+</td><td>0</td><td>\d+</td></tr>", page)
    assert "http://" not in page and "https://" not in page  # self-contained
