"""HanTa, the German morphological tagger (STTS tags, lemmas), loaded once per process.

Three engines read German tags (the NER's POS variant, the gloss, the translation checks'
evidence); its model is about 100 MB in memory, so they share one instance."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def hanover_tagger() -> Any:
    from HanTa import HanoverTagger

    return HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
