"""The ``corpus`` command line: ``main`` (the lazy command table) and the corpus-management commands."""
