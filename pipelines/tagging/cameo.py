"""PETRARCH's CAMEO verb dictionary (``CAMEO.2.0.txt``, MIT) and the CAMEO -> PLOVER table.

The verb dictionary has synonym sets (``&NAME`` then ``+MEMBER`` lines) and verb blocks::

    ---  DEMAND   [100]  ---            block name and default code
    DEMAND                              verbs of the block (optional own code, irregular forms)
    BID {BIDS BADE BIDDING }
    +STIR_UP {+STIRS_UP ...}            a verb with a particle
    - * RESIGNATION    [100]            pattern: words after the verb (``*``) ...
    - $ TROOP * TOWARD +  [154]         ... and before it; ``$``/``+`` mark source and target
    - * PRESSURE       [:100]           the reverse reading only: an act towards the subject

Pattern words are stems (``ASSET`` matches "assets") unless they end in ``_``; ``{A B}`` is a
phrase, ``(IN X)`` a prepositional phrase, ``&SET`` any member of a synonym set. A code of
``---`` means "not an event". Only reading lives here; matching is in ``cameo_match``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.core.errors import InputError
from pipelines.core.memo import file_cache

CODE = re.compile(r"\[([^\]]*)\]")
NO_EVENT = "---"


@dataclass(frozen=True)
class Word:
    """One pattern element: alternatives (a synonym set has many), each a tuple of words."""

    options: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Pattern:
    before: tuple[Word, ...]  # words before the verb, in order
    after: tuple[Word, ...]  # words after the verb, in order
    code: str  # CAMEO code, or NO_EVENT
    source: str  # the line, for provenance and tests
    reverse: bool = False  # "[:100]": the event goes from the other party to the verb's subject

    @property
    def size(self) -> int:
        return sum(max(len(o) for o in w.options) for w in (*self.before, *self.after))


@dataclass
class VerbBlock:
    name: str
    code: str
    patterns: list[Pattern] = field(default_factory=list)


@dataclass(frozen=True)
class Verb:
    """A verb of a block: its particle (``STIR_UP`` -> ``UP``) and its own code, if any."""

    block: str
    particle: str | None
    code: str | None


@dataclass
class VerbDictionary:
    blocks: dict[str, VerbBlock]
    verbs: dict[str, list[Verb]]  # base form or irregular form -> verbs
    synonyms: dict[str, list[tuple[str, ...]]]


def _code(text: str) -> str | None:
    return _codes(text)[0]


def _codes(text: str) -> tuple[str | None, str | None]:
    """(active, reverse) of ``[active:reverse]``: "042:043" is a visit by the subject (and a
    hosting by its partner); "[:100]" only the reverse, an act *towards* the subject ("faces
    pressure from Congress": Congress demands of it)."""
    found = CODE.search(text)
    if not found:
        return None, None
    active, _, reverse = found.group(1).partition(":")
    return active.strip() or None, reverse.strip() or None


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].rstrip()


def _words(text: str) -> tuple[str, ...]:
    """``ROCKET_LAUNCHER_`` -> ("ROCKET", "LAUNCHER")."""
    return tuple(w for w in re.split(r"[_\s]+", text) if w)


def _element(token: str, synonyms: dict[str, list[tuple[str, ...]]]) -> Word | None:
    if token.startswith("&"):
        members = synonyms.get(token)
        return Word(tuple(members)) if members else None
    return Word(((token,),))


def parse_pattern(text: str, synonyms: dict[str, list[tuple[str, ...]]]) -> Pattern | None:
    """``- [words] * [words] [code]``; ``None`` when it uses syntax this reader does not model."""
    active, reverse = _codes(text)
    code = active or reverse
    body = CODE.sub(" ", _strip_comment(text)).strip().removeprefix("-").strip()
    if code is None or "*" not in body or re.search(r"[/.%^|<>]", body):
        return None
    elements: list[Word | str] = []
    for token in re.findall(r"\{[^}]*\}|\(|\)|\*|[^\s{}()*]+", body):
        if token in ("(", ")", "$", "+"):
            continue  # phrases are sequences; source/target markers do not constrain the match
        if token == "*":
            elements.append("*")
        elif token.startswith("{"):
            elements.append(Word((tuple(w.strip("_") for w in token[1:-1].split()),)))
        else:
            element = _element(token.strip("$+"), synonyms) if token.strip("$+") else None
            if element is None:
                return None
            elements.append(element)
    star = elements.index("*")
    before = tuple(e for e in elements[:star] if isinstance(e, Word))
    after = tuple(e for e in elements[star + 1 :] if isinstance(e, Word))
    return Pattern(before, after, code, text.strip(), reverse=active is None)


def _verb_entries(line: str, block: str) -> list[tuple[str, Verb]]:
    text = _strip_comment(line)
    code = _code(text)
    forms = re.search(r"\{([^}]*)\}", text)
    head = CODE.sub(" ", re.sub(r"\{[^}]*\}", " ", text)).split()
    if not head:
        return []
    names = [head[0], *(forms.group(1).split() if forms else [])]
    entries = []
    for name in names:
        name = name.lstrip("+")
        verb, _, particle = name.partition("_")
        if verb:
            entries.append((verb, Verb(block, particle.replace("_", " ") or None, code)))
    return entries


@file_cache
def load_verb_dictionary(path: Path, additions: Path | None = None) -> VerbDictionary:
    """The dictionary at ``path``, with ``additions`` (same format) applied: a block line there
    names a block of the dictionary, its verbs come first (``TAKE [---]``: the verb codes only
    through its patterns) and its patterns join the block's."""
    if not Path(path).exists():
        raise InputError(path, "CAMEO verb dictionary not found (tag.cameo_dictionary in params.yaml)")
    dictionary = VerbDictionary({}, {}, {})
    _read(Path(path).read_text(encoding="utf-8", errors="replace").splitlines(), dictionary, str(path))
    if additions is not None:
        if not Path(additions).exists():
            raise InputError(additions, "CAMEO dictionary additions not found (tag.cameo_additions in params.yaml)")
        _read(Path(additions).read_text(encoding="utf-8").splitlines(), dictionary, str(additions), extend=True)
    return dictionary


def _read(lines: list[str], dictionary: VerbDictionary, where: str, extend: bool = False) -> None:
    """Reads synonym sets and verb blocks into ``dictionary``; ``extend``: the lines are verb
    blocks only, naming the dictionary's own blocks, and their verbs go before the ones it has."""
    synonyms, blocks, verbs = dictionary.synonyms, dictionary.blocks, dictionary.verbs
    in_patterns, current_set, block = extend, None, None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("####### VERB PATTERNS"):
            in_patterns = True
            continue
        if not stripped or stripped.startswith("#"):
            current_set = None if not stripped else current_set
            continue
        if not in_patterns:
            if stripped.startswith("&"):
                current_set = _strip_comment(stripped).split()[0]
                synonyms[current_set] = []
            elif stripped.startswith("+") and current_set:
                synonyms[current_set].append(_words(_strip_comment(stripped)[1:].strip().rstrip("_")))
            continue
        if stripped.startswith("---"):
            name = stripped.strip("- ").split("[")[0].strip()
            if extend and name not in blocks:
                raise InputError(f"{where}:{number}", f"no verb block {name!r} in the CAMEO dictionary")
            block = blocks[name] if extend else VerbBlock(name, _code(stripped) or NO_EVENT)
            blocks[name] = block
        elif stripped.startswith("-") and block is not None:
            pattern = parse_pattern(stripped, synonyms)
            if pattern is None and extend:
                raise InputError(f"{where}:{number}", f"a pattern this reader does not model: {stripped!r}")
            if pattern is not None and extend:  # the rule names where its pattern comes from
                pattern = replace(pattern, source=f"{Path(where).name}: {pattern.source}")
                # before the dictionary's own: of two patterns as long, the project's wins
                ahead = sum(p.source.startswith(f"{Path(where).name}: ") for p in block.patterns)
                block.patterns.insert(ahead, pattern)
            elif pattern is not None:
                block.patterns.append(pattern)
        elif block is not None:
            for form, verb in _verb_entries(stripped, block.name):
                forms = verbs.setdefault(form, [])
                forms.insert(0 if extend else len(forms), verb)


@dataclass(frozen=True)
class PloverType:
    type: str
    mode: str | None
    context: str | None


@file_cache
def load_plover_table(path: Path, amendments: Path | None = None) -> dict[str, PloverType]:
    """``code: TYPE, mode, context # description`` lines of CAMEO2PLOVER-2021.txt, with the
    project's ``amendments`` (same format; a code there replaces the table's)."""
    if not Path(path).exists():
        raise InputError(path, "CAMEO to PLOVER table not found (tag.plover_table in params.yaml)")
    table = dict(_published_table(Path(path)))  # parsed once, with or without amendments
    if amendments is not None:
        if not Path(amendments).exists():
            raise InputError(amendments, "PLOVER table amendments not found (tag.plover_amendments in params.yaml)")
        table.update(_plover_lines(Path(amendments), strict=True))
    return table


@file_cache
def _published_table(path: Path) -> dict[str, PloverType]:
    return _plover_lines(path, strict=False)


def _plover_lines(path: Path, strict: bool) -> dict[str, PloverType]:
    """The table's entries; ``strict`` (the project's own file): a line that is no entry, or an
    entry of no PLOVER type, is an error naming it, not a line skipped."""
    from pipelines.tagging.labels import event_types  # labels reads the rules file: only when asked

    table = {}
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        text = _strip_comment(line)
        code, colon, rest = text.partition(":")
        parts = [p.strip() for p in rest.split(",")]
        if strict and parts[0] and parts[0] not in event_types():
            raise InputError(f"{path}:{number}", f"{parts[0]!r} is no PLOVER type ({', '.join(event_types())})")
        if colon and code.strip().isdigit() and parts[0]:
            mode, context = [*parts[1:], "", ""][:2]
            table[code.strip()] = PloverType(parts[0], mode or None, context or None)
        elif strict and text.strip():
            raise InputError(f"{path}:{number}", f"not a 'code: TYPE, mode, context' line: {line.strip()!r}")
    return table


def plover_for(code: str, table: dict[str, PloverType]) -> PloverType | None:
    """The most specific entry: ``0311``, else ``031``, else ``03``."""
    for length in range(len(code), 1, -1):
        if code[:length] in table:
            return table[code[:length]]
    return None
