"""``python -m pipelines.cli``: the ``corpus`` command."""

from pipelines.cli.main import main

main()
