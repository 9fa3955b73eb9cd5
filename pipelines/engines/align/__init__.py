"""Alignment engines: document-mode sentence alignment (a Vecalign-style dynamic programme over
sentence vectors) and mining with an honest "no match" for comparable documents."""
