"""Language identification with lingua, over all its languages."""

from __future__ import annotations

from pipelines.core.hashing import package_version
from pipelines.core.records import Provenance


class LanguageIdentifier:
    """lingua over all its languages, so a French file is named French, not forced to de/en."""

    def __init__(self, min_confidence: float) -> None:
        from lingua import LanguageDetectorBuilder

        self._detector = LanguageDetectorBuilder.from_all_languages().build()
        self.min_confidence = min_confidence
        self.provenance = Provenance(
            engine="lingua", model="lingua-all-languages", version=package_version("lingua-language-detector")
        )

    def identify(self, text: str) -> tuple[str | None, float]:
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value < self.min_confidence:
            return None, values[0].value if values else 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)
