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


def open_task(browser, label_studio, project_id: int, task_id: int):
    """A logged-in page on one task's labelling view."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{label_studio['url']}/user/login/")
    page.fill('input[name="email"]', label_studio["credentials"].username)
    page.fill('input[name="password"]', label_studio["credentials"].password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/user/login" not in url)
    page.goto(f"{label_studio['url']}/projects/{project_id}/data?task={task_id}")
    return page


def test_annotator_sees_prediction_and_submits(browser, label_studio, client, full_corpus: Path, tmp_path) -> None:
    pushed = ls_client.push(client, "tagging", full_corpus, ROOT / "annotations" / "configs")
    sentence = "Präsident Kim Il Sung empfing ihn herzlich."
    task = next(t for t in client.tasks.list(project=pushed["project"], fields="all") if t.data["text"] == sentence)
    page = open_task(browser, label_studio, pushed["project"], task.id)
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


def test_a_post_edit_made_in_the_browser_reaches_the_dataset(browser, label_studio, client, full_corpus, tmp_path):
    """An annotator corrects a translation in Label Studio's UI; after pull and the translate and
    export stages, the dataset row carries it as ``translation_source: human``."""
    from pipelines.core.io import read_jsonl
    from pipelines.core.records import Translation
    from pipelines.stages import translate

    from .conftest import project_settings

    pushed = ls_client.push(client, "translation", full_corpus, ROOT / "annotations" / "configs")
    sentence = "Die DVRK hatte die kubanische Revolution solidarisch unterstützt."
    task = next(t for t in client.tasks.list(project=pushed["project"], fields="all") if t.data["german"] == sentence)
    page = open_task(browser, label_studio, pushed["project"], task.id)
    box = page.locator('textarea[name^="translation"]').first
    box.wait_for(timeout=60_000)
    assert box.input_value() == task.data["machine"]  # the machine translation, ready to edit
    assert page.get_by_text(sentence).count() >= 1 and page.get_by_text("Why it was flagged").count() == 1
    post_edit = "The DPRK had supported the Cuban revolution in solidarity."
    box.fill(post_edit)
    page.locator(".lsf-choice__item").filter(has_text="edited").first.click()
    page.screenshot(path=str(tmp_path / "post-editing.png"))
    if os.environ.get("POST_EDIT_SCREENSHOT"):
        page.screenshot(path=os.environ["POST_EDIT_SCREENSHOT"])
    page.get_by_role("button", name="Submit").click()
    for _ in range(40):
        if client.tasks.get(id=task.id).total_annotations:
            break
        page.wait_for_timeout(250)
    annotations = tmp_path / "annotations"
    assert ls_client.pull(client, "translation", annotations, full_corpus)["annotated"] >= 1
    review = read_reviews(annotations / "translation.human.jsonl")[task.data["sent_id"]]
    assert (review.translation, review.decision) == (post_edit, "edited")
    settings = project_settings(tmp_path).translate.model_copy(update={"engine": "gloss"})
    out = tmp_path / "translations.jsonl"
    files = sorted((full_corpus / "sentences").glob("*.jsonl"))
    translate.run(files, out, settings, human=annotations / "translation.human.jsonl")
    row = next(r for r in read_jsonl(out, Translation) if r.sent_id == task.data["sent_id"])
    assert (row.text, row.translation_source, row.machine) == (post_edit, "human", task.data["machine"])


def test_the_review_views_show_what_reviewers_need(browser, label_studio, client, full_corpus, tmp_path) -> None:
    """Alignment review: the translation's quality and flags, the threshold beside the margin,
    nothing ticked, the superseded mark; German tagging: the translation; one prediction per task."""
    configs = ROOT / "annotations" / "configs"
    pushed = ls_client.push(client, "alignment", full_corpus, configs)
    task = next(t for t in client.tasks.list(project=pushed["project"], fields="all") if not t.total_annotations)
    client.tasks.update(id=task.id, data={**dict(task.data), "superseded": "yes: no longer in the corpus (test)"})
    page = open_task(browser, label_studio, pushed["project"], task.id)
    page.get_by_text("Which English candidate matches").wait_for(timeout=60_000)
    page.get_by_text("Superseded: yes: no longer in the corpus (test)").first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "alignment.png"))
    body = page.inner_text(".lsf-main-view, body")
    assert task.data["threshold"] == 1.3 and "a match needs 1.3 or more" in body
    assert f"quality estimate {task.data['translation_quality']}" in body and "flags:" in body
    assert "Superseded: yes: no longer in the corpus (test)" in body
    assert page.locator(".lsf-choices input[type=checkbox]:checked").count() == 0  # nothing pre-ticked
    assert page.locator("input[type=checkbox]:checked").count() == 0

    tagging = ls_client.push(client, "tagging", full_corpus, configs)
    german = next(t for t in client.tasks.list(project=tagging["project"], fields="all") if t.data["lang"] == "de")
    page.goto(f"{label_studio['url']}/projects/{tagging['project']}/data?task={german.id}")
    # The data manager rewrites the URL (adds &tab=) and may re-mount the task panel after the
    # first render, so wait for each text rather than reading the body once.
    page.get_by_text("English translation (German sentences").wait_for(timeout=60_000)
    page.get_by_text("Superseded: no").first.wait_for(timeout=60_000)
    page.get_by_text(german.data["translation"][:40]).first.wait_for(timeout=60_000)
    assert all(len(t.predictions) == 1 for t in client.tasks.list(project=tagging["project"], fields="all"))
