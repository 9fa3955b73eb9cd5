"""A person's view: headless Chromium logs in to Label Studio, sees the pre-annotation, submits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.core.reviews import read_reviews
from pipelines.labelstudio import client as ls_client

from .conftest import ROOT

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield instance
        instance.close()


def test_annotator_sees_prediction_and_submits(browser, label_studio, full_corpus: Path, tmp_path: Path) -> None:
    client = ls_client.connect(label_studio["url"], label_studio["data_dir"], api_key=label_studio["credentials"].token)
    pushed = ls_client.push(client, "tagging", full_corpus, ROOT / "annotations" / "configs")
    sentence = "Präsident Kim Il Sung empfing ihn herzlich."
    task = next(t for t in client.tasks.list(project=pushed["project"], fields="all") if t.data["text"] == sentence)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{label_studio['url']}/user/login/")
    page.fill('input[name="email"]', label_studio["credentials"].username)
    page.fill('input[name="password"]', label_studio["credentials"].password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/user/login" not in url)
    page.goto(f"{label_studio['url']}/projects/{pushed['project']}/data?task={task.id}")
    highlights = page.locator(".htx-highlight")
    highlights.first.wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.htx-highlight').length >= 2", timeout=30_000)
    texts = highlights.all_inner_texts()
    assert "Kim Il Sung" in texts and "empfing" in texts
    page.screenshot(path=str(tmp_path / "task.png"))
    page.get_by_role("button", name="Submit").click()
    for _ in range(40):
        if client.tasks.get(id=task.id).total_annotations:
            break
        page.wait_for_timeout(250)
    summary = ls_client.pull(client, "tagging", tmp_path / "annotations", full_corpus)
    assert summary["annotated"] >= 1
    human = read_reviews(tmp_path / "annotations" / "tagging.human.jsonl")
    row = human[task.data["sent_id"]]
    labelled = {(s.text, s.label) for s in row.entities} | {(e.trigger.text, e.type) for e in row.events}
    assert ("Kim Il Sung", "PER") in labelled and ("empfing", "CONSULT") in labelled
    assert not row.stale
