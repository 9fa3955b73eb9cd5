"""Vectors: multilingual sentence encoders, contextual word states, and what is derived from
them (word classes, pretrain files). Used by translation (quality), alignment and NER."""
