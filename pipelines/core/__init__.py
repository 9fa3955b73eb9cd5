"""The bottom layer: records, typed settings, errors, caches, atomic IO and the command runner.

Nothing here imports from another layer of the package.
"""
