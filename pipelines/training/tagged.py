"""Token-tagged sentences for NER training and scoring: GermEval 2014 and human corrections.

GermEval's nested names keep only the outer layer, and its ``deriv``/``part`` tags
("deutschen", "EU-weit") become ``O``: pre-annotations mark names only. ``OTH`` is kept
as GermEval's label; the tag stage maps it to the project's ``MISC``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.bio import repair
from pipelines.core.errors import StageError
from pipelines.core.records import Sentence
from pipelines.core.reviews import LabelledSpan

NAME_TYPES = ("PER", "LOC", "ORG", "OTH")
# the project's entity labels a human correction may carry -> the trained model's names
HUMAN_TO_MODEL = {"PER": "PER", "LOC": "LOC", "GPE": "LOC", "ORG": "ORG", "NORP": "OTH", "EVENT": "OTH", "MISC": "OTH"}


@dataclass(frozen=True)
class TaggedSentence:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]  # BIO over NAME_TYPES
    origin: str  # "germeval:<line>" or "human:<sent_id>"


def names_only(tag: str) -> str:
    """A GermEval outer tag with deriv/part variants dropped: 'B-LOCderiv' -> 'O'."""
    if tag == "O":
        return "O"
    prefix, _, kind = tag.partition("-")
    if kind not in NAME_TYPES or prefix not in ("B", "I"):
        return "O"
    return tag


def read_germeval(path: Path) -> list[TaggedSentence]:
    """GermEval 2014's TSV (index, token, outer tag, inner tag; ``#`` lines name the source)."""
    if not path.exists():
        raise StageError(f"{path}: GermEval 2014 file not found (see ../shared/data/README.md)")
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if tokens:
                sentences.append(TaggedSentence(tuple(tokens), tuple(repair(tags)), f"germeval:{start}"))
            tokens, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) < 3 or not fields[1]:
            raise StageError(f"{path}:{number}: expected 'index<TAB>token<TAB>outer tag<TAB>inner tag'")
        if not tokens:
            start = number
        tokens.append(fields[1])
        tags.append(names_only(fields[2]))
    if tokens:
        sentences.append(TaggedSentence(tuple(tokens), tuple(repair(tags)), f"germeval:{start}"))
    return sentences


def bioes_to_names(tag: str) -> str:
    """A tag of the BIOES train split ('S-LOC', 'E-ORG', 'B-LOCDERIV') as the BIO names-only tag."""
    if tag == "O":
        return "O"
    prefix, _, kind = tag.partition("-")
    if kind not in NAME_TYPES or prefix not in ("B", "I", "E", "S"):
        return "O"  # DERIV/PART variants ("deutschen", "EU-weit") are not names
    return f"{'B' if prefix in ('B', 'S') else 'I'}-{kind}"


def read_germeval_bioes(path: Path, max_sentences: int = 0) -> list[TaggedSentence]:
    """GermEval 2014's train split as converted by a third party: 'token tag' lines, BIOES with
    upper-cased DERIV/PART suffixes, a blank line between sentences (../shared/data/README.md)."""
    if not path.exists():
        raise StageError(f"{path}: GermEval 2014 train split not found (see ../shared/data/README.md)")
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    start = 0
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                if tokens:
                    sentences.append(TaggedSentence(tuple(tokens), tuple(repair(tags)), f"germeval-train:{start}"))
                    if max_sentences and len(sentences) >= max_sentences:
                        return sentences
                tokens, tags = [], []
                continue
            token, _, tag = line.rpartition(" ")
            if not token or not tag:
                raise StageError(f"{path}:{number}: expected 'token tag'")
            if not tokens:
                start = number
            tokens.append(token)
            tags.append(bioes_to_names(tag))
    if tokens:
        sentences.append(TaggedSentence(tuple(tokens), tuple(repair(tags)), f"germeval-train:{start}"))
    return sentences


@dataclass(frozen=True)
class Split:
    train: list[TaggedSentence]
    dev: list[TaggedSentence]  # picks the best checkpoint
    held_out: list[TaggedSentence]  # scores only, never trained on


def split(sentences: list[TaggedSentence], held_out_every: int, dev_every: int) -> Split:
    """A fixed split by position: the same file always gives the same held-out part."""
    held_out = [s for k, s in enumerate(sentences) if k % held_out_every == held_out_every - 1]
    rest = [s for k, s in enumerate(sentences) if k % held_out_every != held_out_every - 1]
    dev = [s for k, s in enumerate(rest) if k % dev_every == dev_every - 1]
    train = [s for k, s in enumerate(rest) if k % dev_every != dev_every - 1]
    return Split(train, dev, held_out)


def from_spans(sentence: Sentence, spans: list[LabelledSpan]) -> TaggedSentence:
    """A corrected sentence: character spans (project labels) onto the sentence's tokens.

    A span that does not start and end on token boundaries is an error naming the sentence:
    training on a shifted name would teach the model the wrong boundary."""
    tags = ["O"] * len(sentence.tokens)
    starts = {t.start: k for k, t in enumerate(sentence.tokens)}
    ends = {t.end: k for k, t in enumerate(sentence.tokens)}
    for span in sorted(spans, key=lambda s: s.start):
        kind = HUMAN_TO_MODEL.get(span.label)
        if kind is None:
            continue  # dates, money: not names
        first, last = starts.get(span.start), ends.get(span.end)
        if first is None or last is None or last < first:
            raise StageError(
                f"{sentence.sent_id}: corrected span {span.start}-{span.end} {span.text!r} "
                "does not start and end on token boundaries"
            )
        if any(tag != "O" for tag in tags[first : last + 1]):
            continue  # overlapping spans: the first stays
        tags[first] = f"B-{kind}"
        for k in range(first + 1, last + 1):
            tags[k] = f"I-{kind}"
    return TaggedSentence(tuple(t.text for t in sentence.tokens), tuple(tags), f"human:{sentence.sent_id}")


def data_key(*parts: list[TaggedSentence]) -> str:
    """The content of training data, independent of where it came from."""
    digest = hashlib.sha256()
    for sentences in parts:
        for s in sentences:
            digest.update(json.dumps([s.tokens, s.tags]).encode())
        digest.update(b"|")
    return digest.hexdigest()
