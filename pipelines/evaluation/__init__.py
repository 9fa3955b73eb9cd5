"""Evaluation harnesses over public benchmark files (``corpus align-eval``)."""
