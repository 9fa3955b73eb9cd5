"""Documents built from the Tatoeba de-en pairs in ``../shared/data`` (CC BY 2.0 FR).

Each German document holds random German sentences (paragraphs of 2); the next English
document holds the same sentences' English side in another order. Used by the corpus tests
and ``benchmarks/scale.py``.
"""

from __future__ import annotations

import random
from pathlib import Path

TATOEBA = Path(__file__).resolve().parents[3] / "shared" / "data" / "tatoeba_deu_eng"


def generated_documents(count: int, seed: int = 0, prefix: str = "gen", sentences: int = 6) -> list[dict[str, str]]:
    german = (TATOEBA / "tatoeba.deu-eng.deu").read_text(encoding="utf-8").splitlines()
    english = (TATOEBA / "tatoeba.deu-eng.eng").read_text(encoding="utf-8").splitlines()
    rng = random.Random(seed)
    documents = []
    for number in range(count):
        if number % 2 == 0:
            chosen = rng.sample(range(len(german)), sentences)
            lines, lang = [german[i] for i in chosen], "de"
        else:
            lines, lang = [english[i] for i in rng.sample(chosen, len(chosen))], "en"
        text = "\n".join(" ".join(lines[k : k + 2]) for k in range(0, sentences, 2))
        documents.append({"id": f"{prefix}-{seed}-{number:05d}", "lang": lang, "text": text})
    return documents
