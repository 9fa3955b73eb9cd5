"""Run machinery: how stages run, not what they compute.

Executors (one process, a process pool, Ray, a warm server that keeps engines loaded),
incremental state, code fingerprints and the command runner. Above ``core`` (records and
settings), used only by ``stages`` and ``cli``; ``core``, ``engines`` and ``tagging`` never
import it.
"""
