"""Actor codes from a TABARI/PETRARCH actor dictionary (``Phoenix.Countries.actors.txt``, MIT).

Entries are a name line (``NORTH_KOREA_ [PRK]`` or ``KIM_IL_SUNG_``), alias lines
(``+DPRK_``) and code lines, some limited in time (``[PRKGOV 480909-721228]``, ``[USAGOV
>090120]``, ``[IRQ <20030320]``; dates are YYMMDD or YYYYMMDD). A span is coded by its
longest run of words that names an entry, with the code valid on the event's date when the
entry has several.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from pipelines.core.errors import InputError
from pipelines.core.memo import file_cache
from pipelines.core.records import Argument, DateValue, Event
from pipelines.tagging.labels import DATA

ORGANISATIONS = DATA / "organisations.actors.txt"  # the project's list of IGO/NGO codes
GERMAN_NAMES = DATA / "german.actors.txt"  # German names and abbreviations of states (DVRK, BRD)
CODE = re.compile(r"\[([A-Z0-9-]+)(?:\s+([<>]?\d{6,10})(?:-(\d{6,10}))?)?\s*\]")
LEADING = {"THE", "A", "AN"}


@dataclass(frozen=True)
class ActorCode:
    code: str
    start: date | None = None
    end: date | None = None

    def valid_on(self, when: date | None) -> bool:
        if when is None:
            return True
        return (self.start is None or self.start <= when) and (self.end is None or when < self.end)


def _date(text: str) -> date | None:
    """YYMMDD or YYYYMMDD (a few entries carry a stray prefix: the last 8 digits count);
    a malformed date leaves that bound open."""
    try:
        if len(text) >= 8:
            return date(int(text[-8:-4]), int(text[-4:-2]) or 1, int(text[-2:]) or 1)
        year, month, day = int(text[:2]), int(text[2:4]) or 1, int(text[4:6]) or 1
        return date(year + (1900 if year > 30 else 2000), month, day)
    except ValueError:
        return None


def _code(match: re.Match) -> ActorCode:
    code, first, second = match.groups()
    if not first:
        return ActorCode(code)
    if first.startswith(">"):
        return ActorCode(code, start=_date(first[1:]))
    if first.startswith("<"):
        return ActorCode(code, end=_date(first[1:]))
    return ActorCode(code, start=_date(first), end=_date(second) if second else None)


def _key(name: str) -> tuple[str, ...]:
    words = tuple(w for w in re.split(r"[_\s]+", name.upper().strip("_+ ")) if w)
    return words[1:] if words[:1] and words[0] in LEADING and len(words) > 1 else words


@file_cache
def load_actors(path: Path) -> dict[tuple[str, ...], tuple[ActorCode, ...]]:
    if not Path(path).exists():
        raise InputError(path, "actor dictionary not found (tag.actors_file in params.yaml)")
    actors: dict[tuple[str, ...], tuple[ActorCode, ...]] = {}
    names: list[tuple[str, ...]] = []
    codes: list[ActorCode] = []

    def close() -> None:
        for name in names:
            if name and codes:
                actors.setdefault(name, tuple(codes))

    for raw in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        found = list(CODE.finditer(line))
        text = CODE.sub(" ", line).strip()
        if raw[:1] not in ("+", " ", "\t") and text:  # a new entry
            close()
            names, codes = [_key(text)], []
        elif text.startswith("+"):
            names.append(_key(text))
        codes += [_code(m) for m in found]
    close()
    return actors


def actor_code(text: str, actors: dict[tuple[str, ...], tuple[ActorCode, ...]], when: date | None) -> str | None:
    """The code of the longest run of words in ``text`` that names an actor (valid on ``when``)."""
    original = [w for w in re.split(r"[^\w.-]+", re.sub(r"['’]s\b", "", text)) if w]
    words = [w.upper() for w in original]
    for size in range(min(len(words), 8), 0, -1):
        for begin in range(len(words) - size + 1):
            if size == 1 and len(words[begin]) <= 3 and not original[begin].isupper():
                continue  # a short code word must be written as one: "Kim Jong Un" is not the UN
            key = _key("_".join(words[begin : begin + size]))
            codes = actors.get(key)
            if codes:
                valid = [c for c in codes if c.valid_on(when)] or ([] if when else list(codes))
                if valid:
                    return valid[-1].code
    return None


@cache
def agent_words() -> dict[str, str]:
    import yaml

    table = yaml.safe_load((DATA / "agents.yaml").read_text(encoding="utf-8"))
    return {word: agent for agent, words in table.items() for word in words}


def resolve_actor(text: str, actors: dict[tuple[str, ...], tuple[ActorCode, ...]], when: date | None) -> str | None:
    """Country (or leader) code plus agent code: "Canadian government" -> CANGOV; None if neither."""
    country = actor_code(text, actors, when)
    agents = agent_words()
    agent = next((agents[w] for w in re.findall(r"[a-z]+", text.lower()) if w in agents), None)
    if country and agent and not country.endswith(agent):
        if country[:3] in ("IGO", "NGO"):  # an organisation keeps its whole code: IGOWSTNAT + MIL
            return country + agent
        return country[:3] + agent if len(country) > 3 else country + agent
    return country or (f"---{agent}" if agent else None)


def event_date(value: DateValue | None) -> date | None:
    """The day an event's date names (its first day for a month or year), if it has an ISO value."""
    if value is None or not value.iso:
        return None
    parts = [int(p) for p in re.findall(r"\d+", value.iso)[:3]]
    try:
        return date(parts[0], *[*parts[1:], 1, 1][:2])
    except (ValueError, IndexError):
        return None


def code_arguments(events: list[Event], forms: Callable[[str], list[str]], actors: dict) -> list[Event]:
    """Actor codes for events found without the CAMEO coder (German rules): each argument is
    looked up under its English forms (the span, its genitive-less form, a dictionary gloss)."""

    def code(argument: Argument, when: date | None) -> Argument:
        found = next((c for form in forms(argument.text) if (c := resolve_actor(form, actors, when))), None)
        return argument.model_copy(update={"code": found})

    coded = []
    for event in events:
        when = event_date(event.date)
        actor = [code(a, when) for a in event.actor]
        coded.append(event.model_copy(update={"actor": actor, "recipient": [code(a, when) for a in event.recipient]}))
    return coded
