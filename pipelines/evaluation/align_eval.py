"""``corpus align-eval``: score the aligner on plain-text benchmark files.

- ``document``: source/target files (one sentence per line, optionally a line-parallel MT
  file of the source) and a gold file in the Vecalign/Bleualign format (``[0, 1]:[0]`` per
  line, 0-based, ``[]:[5]`` for insertions). Prints strict and lax precision/recall/F1 as
  Vecalign's ``score.py`` defines them: precision over all test links including 1-0/0-1,
  recall with 1-0/0-1 links dropped from both sides, micro-averaged over files.
- ``mining``: two sentence lists and gold pairs (``[i]:[j]`` or ``i<TAB>j``); prints
  P/R/F1 at the configured threshold and the best F1 over a threshold sweep.

A translation is fused only when it is in the target's language: Bleualign's idea is to
compare a translation *into the target language* with the target. A translation into a third
language (the English gloss of a German-French pair) is only a second multilingual view of the
source, and is left out with a message (``--mt-lang`` names its language; else lingua does).
"""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import typer

from pipelines.core.errors import StageError
from pipelines.core.settings import PARAMS_FILE, AlignSettings, IngestSettings, load_settings
from pipelines.engines.align.document_aligner import align_document
from pipelines.engines.align.encoders import encoder_for
from pipelines.engines.align.mining import accepted, mine
from pipelines.engines.text.language import LanguageIdentifier
from pipelines.engines.vectors.embedders import Embedder

Link = tuple[tuple[int, ...], tuple[int, ...]]

app = typer.Typer(help="Evaluate the aligner on benchmark files.", no_args_is_help=True)


def parse_links(lines: Iterable[str], where: str = "<gold>") -> list[Link]:
    links = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            left, right = line.split(":")
            src, tgt = ast.literal_eval(left.strip()), ast.literal_eval(right.strip())
            links.append((tuple(int(i) for i in src), tuple(int(j) for j in tgt)))
        except (ValueError, SyntaxError, TypeError):
            raise StageError(f"{where}:{number}: expected a link like [0, 1]:[2], got {line!r}") from None
    return links


def read_links(path: Path) -> list[Link]:
    return parse_links(Path(path).read_text(encoding="utf-8").splitlines(), str(path))


def format_links(links: Iterable[Link]) -> str:
    return "".join(f"{list(src)}:{list(tgt)}\n" for src, tgt in links)


def _counts(gold: Iterable[Link], test: Iterable[Link]) -> tuple[int, int, int, int]:
    """(strict tp, strict fp, lax tp, lax fp) of ``test`` against ``gold``."""
    gold_set = {link for link in gold if link[0] or link[1]}
    test_set = {link for link in test if link[0] or link[1]}
    gold_targets: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold_set:
        for i in src:
            gold_targets[i].update(tgt)
    tp_strict = fp_strict = tp_lax = fp_lax = 0
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            tp_strict += 1
            tp_lax += 1
            continue
        fp_strict += 1
        reachable = set().union(*(gold_targets[i] for i in src)) if src else set()
        if reachable & set(tgt):
            tp_lax += 1
        else:
            fp_lax += 1
    return tp_strict, fp_strict, tp_lax, fp_lax


def score_links(gold_files: list[list[Link]], test_files: list[list[Link]]) -> dict[str, float]:
    """Strict/lax precision, recall and F1, micro-averaged over files (Vecalign's definition)."""
    if len(gold_files) != len(test_files):
        raise StageError("need as many gold files as test alignments")
    precision_counts = [0, 0, 0, 0]
    recall_counts = [0, 0, 0, 0]
    for gold, test in zip(gold_files, test_files, strict=True):
        for k, value in enumerate(_counts(gold, test)):
            precision_counts[k] += value
        gold_links = [(s, t) for s, t in gold if s and t]
        test_links = [(s, t) for s, t in test if s and t]
        for k, value in enumerate(_counts(test_links, gold_links)):
            recall_counts[k] += value

    def ratio(a: int, b: int) -> float:
        return a / (a + b) if a + b else 0.0

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    p_strict, p_lax = ratio(*precision_counts[:2]), ratio(*precision_counts[2:])
    r_strict, r_lax = ratio(*recall_counts[:2]), ratio(*recall_counts[2:])
    return {
        "precision_strict": p_strict,
        "recall_strict": r_strict,
        "f1_strict": f1(p_strict, r_strict),
        "precision_lax": p_lax,
        "recall_lax": r_lax,
        "f1_lax": f1(p_lax, r_lax),
    }


def table(result: dict[str, float]) -> str:
    rows = [
        "             Strict    Lax",
        f"Precision    {result['precision_strict']:.3f}    {result['precision_lax']:.3f}",
        f"Recall       {result['recall_strict']:.3f}    {result['recall_lax']:.3f}",
        f"F1           {result['f1_strict']:.3f}    {result['f1_lax']:.3f}",
    ]
    return "\n".join(rows)


def prf(predicted: set[tuple[int, int]], gold: set[tuple[int, int]]) -> dict[str, float]:
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted": len(predicted), "gold": len(gold)}


def sweep(scored: list[tuple[int, int, float]], gold: set[tuple[int, int]]) -> dict[str, float]:
    """Best F1 over thresholds at every distinct score of the linked pairs."""
    best = {"threshold": float("inf"), **prf(set(), gold)}
    for threshold in sorted({score for _, _, score in scored}):
        result = prf({(i, j) for i, j, s in scored if s >= threshold}, gold)
        if result["f1"] > best["f1"]:
            best = {"threshold": threshold, **result}
    return best


def read_pairs(path: Path) -> set[tuple[int, int]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if any(":" in line for line in lines):
        return {(src[0], tgt[0]) for src, tgt in parse_links(lines, str(path)) if len(src) == 1 and len(tgt) == 1}
    pairs = set()
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                i, j = line.split()
                pairs.add((int(i), int(j)))
            except ValueError:
                raise StageError(f"{path}:{number}: expected 'i<TAB>j' or '[i]:[j]', got {line!r}") from None
    return pairs


def read_lines(path: Path) -> list[str]:
    path = Path(path)
    if not path.exists():
        raise StageError(f"{path}: file not found")
    return [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]


@cache
def _identifier() -> LanguageIdentifier:
    """lingua as the ingest stage configures it, loaded once for every file of a run."""
    defaults = IngestSettings()
    return LanguageIdentifier(defaults.min_language_confidence, defaults.low_accuracy_language_id)


def identify_language(lines: list[str]) -> str | None:
    """The language of a file's text (a few hundred lines decide it)."""
    return _identifier().identify(" ".join(lines[:300]))[0]


def translation_to_fuse(
    mt: list[str] | None, mt_lang: str | None, target: list[str], target_lang: str | None, where: Path | str
) -> list[str] | None:
    """``mt`` when it is in the target's language, else None (with a message naming the file)."""
    if mt is None:
        return None
    mt_lang = mt_lang or identify_language(mt)
    target_lang = target_lang or identify_language(target)
    if mt_lang == target_lang:
        return mt
    typer.echo(
        f"{where}: the translation is in {mt_lang}, the target in {target_lang}; a translation is fused only "
        "into the target's language (Bleualign), so this one is left out",
        err=True,
    )
    return None


def evaluate_documents(
    triples: list[tuple[Path, Path, Path, Path | None]],
    settings: AlignSettings,
    embedder: Embedder,
    pair: str | None = None,
    mt_lang: str | None = None,
) -> tuple[dict[str, float], list[list[Link]]]:
    """``pair`` (``de-fr``) picks the length prior and names the target's language."""
    golds, tests = [], []
    target_lang = pair.split("-")[-1] if pair else None
    for src_path, tgt_path, gold_path, mt_path in triples:
        src, tgt = read_lines(src_path), read_lines(tgt_path)
        mt = read_lines(mt_path) if mt_path else None
        if mt is not None and len(mt) != len(src):
            raise StageError(f"{mt_path}: {len(mt)} lines, but {src_path} has {len(src)}")
        mt = translation_to_fuse(mt, mt_lang, tgt, target_lang, mt_path)
        links = align_document(src, tgt, mt, embedder, settings, pair)
        tests.append([(link.src, link.tgt) for link in links])
        golds.append(read_links(gold_path))
    return score_links(golds, tests), tests


def evaluate_mining(
    src: list[str],
    tgt: list[str],
    gold: set[tuple[int, int]],
    mt: list[str] | None,
    settings: AlignSettings,
    embedder: Embedder,
) -> dict[str, dict[str, float]]:
    best = mine(embedder.embed(src), embedder.embed(tgt), mt, tgt, settings, src_texts=src)
    pairs = [(c.src, c.tgt, c.margin) for c in best if accepted(c, settings.threshold)]  # what the stage matches
    return {
        "at_threshold": {"threshold": settings.threshold, **prf({(i, j) for i, j, _ in pairs}, gold)},
        "best": sweep([(c.src, c.tgt, c.margin) for c in best if c.linked], gold),
        "p_at_1": precision_at_1(best, gold),
        "pairs": pairs,
    }


def precision_at_1(best: list, gold: set[tuple[int, int]]) -> float:
    """Share of gold source sentences whose top-scored candidate is their gold target."""
    wanted = dict(gold)
    hits = [best[i].tgt == j for i, j in wanted.items() if i < len(best)]
    return sum(hits) / len(hits) if hits else 0.0


@app.command("document")
def document_command(
    src: list[Path] = typer.Option(..., "--src", help="source sentences, one per line (repeatable)"),
    tgt: list[Path] = typer.Option(..., "--tgt", help="target sentences, one per line (repeatable)"),
    gold: list[Path] = typer.Option(..., "--gold", help="gold links [i, j]:[k] (repeatable)"),
    mt: list[Path] = typer.Option(None, "--mt", help="line-parallel MT of the source (repeatable, optional)"),
    mt_lang: str = typer.Option(None, "--mt-lang", help="language of the --mt files, e.g. fr (default: identified)"),
    out: Path = typer.Option(None, "--out", help="write the test alignments here (one file per pair, suffixed)"),
    pair: str = typer.Option(None, "--pair", help="language pair of the length prior, e.g. de-fr"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (align section)"),
) -> None:
    """Document-mode alignment scored with strict/lax P/R/F1."""
    if not (len(src) == len(tgt) == len(gold)) or (mt and len(mt) != len(src)):
        raise StageError("give the same number of --src, --tgt, --gold (and --mt, if any)")
    settings = load_settings(params).align
    triples = [(s, t, g, mt[k] if mt else None) for k, (s, t, g) in enumerate(zip(src, tgt, gold, strict=True))]
    result, tests = evaluate_documents(triples, settings, encoder_for(settings, "document"), pair, mt_lang)
    if out is not None:
        for k, links in enumerate(tests):
            Path(f"{out}.{k}" if len(tests) > 1 else out).write_text(format_links(links), encoding="utf-8")
    typer.echo(table(result))
    typer.echo(json.dumps({k: round(v, 4) for k, v in result.items()}))


@app.command("mining")
def mining_command(
    src: Path = typer.Option(..., "--src", help="source sentences, one per line"),
    tgt: Path = typer.Option(..., "--tgt", help="target sentences, one per line"),
    gold: Path = typer.Option(..., "--gold", help="gold pairs: '[i]:[j]' or 'i<TAB>j' per line, 0-based"),
    mt: Path = typer.Option(None, "--mt", help="line-parallel MT of the source (optional)"),
    mt_lang: str = typer.Option(None, "--mt-lang", help="language of the --mt file, e.g. en (default: identified)"),
    out: Path = typer.Option(None, "--out", help="write the mined pairs here (TSV: src, tgt, margin, texts)"),
    params: Path = typer.Option(PARAMS_FILE, help="parameters file (align section)"),
) -> None:
    """Mining P/R/F1 and P@1 at the stage's threshold, and the best F1 over a threshold sweep."""
    settings = load_settings(params).align
    sources = read_lines(src)
    translations = read_lines(mt) if mt else None
    if translations is not None and len(translations) != len(sources):
        raise StageError(f"{mt}: {len(translations)} lines, but {src} has {len(sources)}")
    targets = read_lines(tgt)
    translations = translation_to_fuse(translations, mt_lang, targets, None, mt)
    result = evaluate_mining(
        sources, targets, read_pairs(gold), translations, settings, encoder_for(settings, "mining")
    )
    pairs = result.pop("pairs")
    if out is not None:
        rows = "".join(f"{i}\t{j}\t{s:.4f}\t{sources[i]}\t{targets[j]}\n" for i, j, s in pairs)
        Path(out).write_text("src\ttgt\tmargin\tsource\ttarget\n" + rows, encoding="utf-8")
    at, best = result["at_threshold"], result["best"]
    typer.echo(f"at threshold {at['threshold']:.3f}: P={at['precision']:.3f} R={at['recall']:.3f} F1={at['f1']:.3f}")
    typer.echo(f"P@1 {result['p_at_1']:.3f}")
    typer.echo(f"best F1 {best['f1']:.3f} at threshold {best['threshold']:.3f} ")
    typer.echo(f"  (P={best['precision']:.3f} R={best['recall']:.3f})")
    typer.echo(json.dumps(result))
