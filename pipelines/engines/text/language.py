"""Language identification with lingua, over all its languages."""

from __future__ import annotations

from pipelines.core.hashing import package_version
from pipelines.core.records import Provenance


class LanguageIdentifier:
    """lingua over all its languages, so a French file is named French, not forced to de/en."""

    def __init__(self, min_confidence: float, low_accuracy: bool = False) -> None:
        """``low_accuracy``: trigram models only; they load in ~2 s instead of ~20 s (1 GB) and
        answer alike on anything longer than a short sentence, which is what documents are."""
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        self._detector = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()
        self.min_confidence = min_confidence
        model = "lingua-all-languages" + ("-low-accuracy" if low_accuracy else "")
        self.provenance = Provenance(engine="lingua", model=model, version=package_version("lingua-language-detector"))

    def identify(self, text: str) -> tuple[str | None, float]:
        values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value < self.min_confidence:
            return None, values[0].value if values else 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)
