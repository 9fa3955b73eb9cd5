"""Training data, scoring and training of the project's own models (German NER)."""
