"""The middle layer: engines behind small interfaces, each built once from its settings.

An engine is constructed from a settings section, loads its model once, and is then
called on many batches (which is what lets an executor run it on workers).
"""
