"""How much annotators had to change the machine's translations: the figures a user compares
engines and prompts by.

Per engine, model and prompt version, over the current post-edits: the share "good as is",
"edited" and "cannot"; the HTER-style edit rate (TER of the machine translation the annotator saw
against the post-edit, sacrebleu, in percent); chrF between them; and how well the quality
estimate predicts the edit rate (Pearson correlation of quality with sentence TER: a useful
estimate is negative). And whether the corpus learns from corrections: chrF against the
post-edits of the machine translation the annotator saw, and of the machine translation the
engine gives now, with the other post-edits among its examples (a sentence's own post-edit is
never its example: a held-out measure, ``dvc metrics diff`` style).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from pipelines.core.records import Translation
from pipelines.core.reviews import Review

MIN_FOR_CORRELATION = 3


def post_editing_metrics(translations: list[Translation], reviews: dict[str, Review]) -> list[dict[str, Any]]:
    from sacrebleu.metrics import CHRF, TER

    groups: dict[tuple[str, str, str], list[tuple[Translation, Review]]] = defaultdict(list)
    for row in translations:
        review = reviews.get(row.sent_id)
        if review is None or review.stale or review.kind != "translation" or review.decision is None:
            continue
        key = (row.provenance.engine, row.provenance.model or "", str(row.settings.get("prompt") or ""))
        groups[key].append((row, review))
    figures = []
    ter, chrf = TER(), CHRF()
    for (engine, model, prompt), members in sorted(groups.items()):
        decisions = [review.decision for _, review in members]
        edited = [(row, review) for row, review in members if review.post_edit]
        machine = [review.machine or row.machine or "" for row, review in edited]  # what the annotator saw
        now = [row.machine or "" for row, _ in edited]  # the engine's translation today
        human = [review.post_edit or "" for _, review in edited]
        per_sentence = [ter.sentence_score(m, [h]).score for m, h in zip(machine, human, strict=True)]
        quality = [row.quality for row, _ in edited]
        correlation = None
        if len(edited) >= MIN_FOR_CORRELATION and None not in quality and np.std(per_sentence) > 0:
            correlation = round(float(np.corrcoef(np.array(quality, dtype=float), per_sentence)[0, 1]), 3)
        figures.append(
            {
                "engine": engine,
                "model": model,
                "prompt": prompt,
                "post_edits": len(members),
                "good_as_is": round(decisions.count("good") / len(members), 3),
                "edited": round(decisions.count("edited") / len(members), 3),
                "cannot": round(decisions.count("cannot") / len(members), 3),
                "hter": round(ter.corpus_score(machine, [human]).score, 2) if edited else None,
                "chrf_mt_vs_post_edit": round(chrf.corpus_score(machine, [human]).score, 2) if edited else None,
                "chrf_now_vs_post_edit": round(chrf.corpus_score(now, [human]).score, 2) if edited else None,
                "quality_vs_edit_rate_pearson": correlation,
            }
        )
    return figures
