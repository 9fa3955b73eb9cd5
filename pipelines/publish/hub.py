"""Upload the exported dataset folder to the Hugging Face Hub (token from ``HF_TOKEN``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.core.manifest import licence_missing


def unlicensed_documents(folder: Path) -> list[str]:
    """Documents of the export whose licence was never recorded (from its ``documents`` config)."""
    import pyarrow.parquet as pq

    found = []
    for path in sorted((folder / "data" / "documents").glob("*.parquet")):
        table = pq.read_table(path, columns=["doc_id", "licence"])
        for doc_id, licence in zip(
            table.column("doc_id").to_pylist(), table.column("licence").to_pylist(), strict=True
        ):
            if licence_missing(licence):
                found.append(doc_id)
    return found


def publish(
    folder: Path,
    repo_id: str,
    dry_run: bool = False,
    private: bool = False,
    api: Any = None,
    allow_unknown_licence: bool = False,
) -> list[str]:
    """Upload the dataset folder to the Hugging Face Hub (token from HF_TOKEN).

    Documents without a recorded licence are not uploaded unless ``allow_unknown_licence``.
    """
    if not (folder / "README.md").exists():
        raise StageError(f"{folder}: no dataset card; run the export stage first (dvc repro export)")
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    if dry_run:
        return files
    unlicensed = unlicensed_documents(folder)
    if unlicensed and not allow_unknown_licence:
        raise StageError(
            f"{len(unlicensed)} documents have no recorded licence ({', '.join(unlicensed[:10])}): set their "
            "licence in seeds/manifest.yaml and re-run dvc repro, or publish with --allow-unknown-licence"
        )
    token = os.environ.get("HF_TOKEN")
    if not token:
        raise StageError("HF_TOKEN is not set: create a write token on the Hub and export HF_TOKEN")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    try:
        api.create_repo(repo_id=repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(
            folder_path=str(folder), repo_id=repo_id, repo_type="dataset", commit_message="Upload corpus export"
        )
    except Exception as error:  # huggingface_hub raises HTTP, offline-mode and connection errors alike
        raise StageError(
            f"could not publish to the Hugging Face Hub ({type(error).__name__}: {error}); "
            "check the network, HF_HUB_OFFLINE and HF_TOKEN"
        ) from None
    return files
