"""``python -m pipelines.cli``: the ``corpus`` command."""

from pipelines.cli.entry import main

main()
