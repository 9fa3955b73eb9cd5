"""The one Label Studio layer: server process, SDK client, and records ⇄ Label Studio JSON.

- :mod:`server`: run the real server on 127.0.0.1 with private data and stored credentials;
- :mod:`tasks`: records → tasks and validated predictions (push direction);
- :mod:`results`: Label Studio results → records, merge with predictions, agreement (pull direction);
- :mod:`client`: the SDK calls (projects, imports, snapshot exports);
- :mod:`commands`: ``corpus annotate serve|push|pull``.
"""
