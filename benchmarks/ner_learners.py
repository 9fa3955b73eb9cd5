"""German NER learners through the train-ner stage: train time (cold) and held-out F1 per type.

.venv/bin/python benchmarks/ner_learners.py [--learners crf,crf-ap,crf-lbfgs200,crf-dictionary,stanza]

Each learner trains with the stage's own code (``pipelines.stages.train_ner.run``) on the
project's GermEval 2014 data (``params.yaml: train_ner``: the train split plus 4/5 of the test
file; CC BY 4.0), in a fresh work folder
(no cached word vectors: what a first ``dvc repro`` pays), and is scored on the held-out
fifth (names only, exact spans). ``stanza`` takes 15-80 minutes on 2 cores.

``--retrain N`` also times what a pull of N corrected sentences costs the default learner:
training again on the training part plus N more sentences (each ``human_repeats`` times; here
N sentences of the dev part stand in for the corrections), with the caches a previous run left.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.settings import TrainNerSettings, load_settings  # noqa: E402
from pipelines.stages import train_ner  # noqa: E402
from pipelines.training.tagged import read_germeval, split  # noqa: E402

LEARNERS = {
    "crf": {},  # params.yaml as it stands: GermEval train split + 4/5 of the test file, contextual classes
    "crf-no-context": {"context_vectors": "none"},
    "crf-test-file-only": {"germeval_train": None, "context_vectors": "none"},  # the model before the train split
    "crf-ap": {"crf_algorithm": "ap", "crf_iterations": 30},
    "crf-lbfgs200": {"crf_algorithm": "lbfgs", "crf_iterations": 200},
    "crf-dictionary": {"vector_words": 40000},
    "stanza": {"learner": "stanza"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="crf,crf-no-context,crf-test-file-only")
    parser.add_argument("--retrain", type=int, default=0, help="time a retrain with N extra sentences")
    args = parser.parse_args()
    settings = load_settings(ROOT / "params.yaml").train_ner
    rows = []
    for name in args.learners.split(","):
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            chosen = settings.model_copy(update={**LEARNERS[name], "work_dir": work / "work"})
            (work / "annotations").mkdir()
            started = time.perf_counter()
            summary = train_ner.run(
                work / "none", work / "annotations", work / "model", work / "ner.json", chosen, manifest=None
            )
            seconds = time.perf_counter() - started
        after = summary["after"]
        per_type = {kind: scores["f1"] for kind, scores in summary["after_per_type"].items()}
        rows.append({"learner": name, "seconds": round(seconds, 1), **after, "per_type": per_type})
        print(json.dumps(rows[-1]), flush=True)
    if args.retrain:
        retrain(settings, args.retrain)
    print()
    print("| learner | train + score (s, cold) | P | R | F1 | untyped F1 | PER | LOC | ORG | OTH |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        kinds = " | ".join(f"{r['per_type'].get(k, 0):.3f}" for k in ("PER", "LOC", "ORG", "OTH"))
        print(
            f"| {r['learner']} | {r['seconds']} | {r['precision']:.3f} | {r['recall']:.3f} | **{r['f1']:.3f}** "
            f"| {r['untyped_f1']:.3f} | {kinds} |"
        )


def retrain(settings: TrainNerSettings, extra: int) -> None:
    """First training (warms the word-vector cache), then the retraining a pull would cause."""
    parts = split(read_germeval(settings.germeval), settings.held_out_every, settings.dev_every)
    corrections = (parts.dev * (extra // max(len(parts.dev), 1) + 1))[:extra]
    parts.train.extend(train_ner.train_split(settings))
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        chosen = settings.model_copy(update={"work_dir": work / "work"})
        train_ner._train(chosen, parts.train, parts.dev, work / "model", work / "build")
        started = time.perf_counter()
        train = parts.train + corrections * settings.human_repeats
        train_ner._train(chosen, train, parts.dev, work / "model", work / "build")
        scores = train_ner.evaluate(work / "model", parts.held_out, chosen)
        seconds = time.perf_counter() - started
    print(json.dumps({"retrain_with": extra, "train_sentences": len(train), "seconds": round(seconds, 1),
                      "held_out_f1": scores["f1"]}))  # fmt: skip


if __name__ == "__main__":
    main()
