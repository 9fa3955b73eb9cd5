"""Translation-aligned bilingual (de/en) corpus and annotation pipeline."""

__version__ = "0.1.0"
