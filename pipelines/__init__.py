"""Translation-aligned bilingual (de/en) corpus and annotation pipeline.

Layers, bottom up: core, engines, tagging, labelstudio, publish, evaluation, stages, cli.
"""
