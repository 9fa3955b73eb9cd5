"""Entities in the project's label set; German names typed by projection from the English side.

German name chunks come untyped from the offline tagger. :class:`Projector` types them
from the aligned English sentence's entities, the corpus-wide gazetteer of typed English
entities (exact, then token overlap), state nouns, and English NER over the sentence's
translation; the source of every type is recorded, and an untyped name stays ``MISC``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import pairwise

from pipelines.core.records import Entity, Sentence, Translation, TypeEvidence, TypeSource
from pipelines.engines.ner.tagger import Analysis
from pipelines.engines.translate.gloss import load_gloss_table
from pipelines.tagging.dates import german_dates
from pipelines.tagging.labels import german_words, unify_label


def token_span(sentence: Sentence, start: int, end: int) -> tuple[int, int, str]:
    begin, finish = sentence.tokens[start].start, sentence.tokens[end - 1].end
    return begin, finish, sentence.text[begin:finish]


def entities_for(analysis: Analysis, engine: str) -> list[Entity]:
    """The tagger's entities as character spans in the project's label set."""
    sentence = analysis.sentence
    entities = []
    for start, end, engine_label in analysis.raw_entities:
        label = unify_label(engine_label)
        if label is None:
            continue
        begin, finish, text = token_span(sentence, start, end)
        entities.append(
            Entity(
                ent_id=f"e{len(entities)}",
                start=begin,
                end=finish,
                text=text,
                label=label,
                engine_label=engine_label,
                type_source=TypeSource(origin="ner", engine=engine),
            )
        )
    return entities


class Projector:
    """Types German name chunks from the English side of the corpus."""

    def __init__(
        self,
        english: dict[str, list[Entity]],
        translations: dict[str, Translation],
        aligned: dict[str, list[str]],
        translated: dict[str, Analysis],
    ) -> None:
        """``translated``: the English analysis of each German sentence's translation (the tag
        stage's cached analyses), whose entities are the last resort for a type."""
        self.by_sentence = english
        self.gazetteer: dict[str, Counter] = defaultdict(Counter)
        for entities in english.values():
            for entity in entities:
                if entity.label not in ("DATE", "MONEY"):
                    self.gazetteer[self.key(entity.text)][entity.label] += 1
        self.translations = translations
        self.aligned = aligned
        self.translated = translated
        self.dictionary, _ = load_gloss_table()
        self.state_nouns = set(german_words()["state_nouns"])

    @staticmethod
    def key(text: str) -> str:
        text = re.sub(r"^(the|die|der|das)\s+", "", text.strip(), flags=re.I)
        return re.sub(r"['’]s$", "", text).casefold()

    def english_forms(self, text: str) -> list[str]:
        """The German span, its genitive-stripped form, and a word-by-word dictionary rendering."""
        forms = [text]
        if text.endswith("s") and len(text) > 3:
            forms.append(text[:-1])
        for form in list(forms):
            forms.append(" ".join(self.dictionary.close_match(word) or word for word in form.split()))
        return list(dict.fromkeys(forms))

    def _translation_ents(self, sent_id: str) -> list[tuple[str, str]]:
        analysis = self.translated.get(sent_id)
        if analysis is None:
            return []
        words = [t.text for t in analysis.sentence.tokens]
        found = [(" ".join(words[start:end]), unify_label(label)) for start, end, label in analysis.raw_entities]
        return [(text, label) for text, label in found if label]

    def type_of(self, sent_id: str, text: str) -> tuple[str, TypeEvidence]:
        forms = self.english_forms(text)
        keys = [self.key(f) for f in forms]
        for target in self.aligned.get(sent_id, []):
            for entity in self.by_sentence.get(target, []):
                if self.key(entity.text) in keys:
                    return entity.label, TypeEvidence(kind="alignment", detail=target)
        for key in keys:
            if key in self.gazetteer:
                return self.gazetteer[key].most_common(1)[0][0], TypeEvidence(kind="gazetteer", detail="en-corpus")
        if any(word.casefold() in self.state_nouns for word in text.split()):
            return "GPE", TypeEvidence(kind="rule", detail="state-noun")
        for key in keys:
            words = set(key.split())
            best = max(
                self.gazetteer.items(),
                key=lambda item: len(words & set(item[0].split())) / len(words | set(item[0].split())),
                default=None,
            )
            if best and len(words) > 1:
                overlap = len(words & set(best[0].split())) / len(words | set(best[0].split()))
                if overlap >= 0.6:
                    return best[1].most_common(1)[0][0], TypeEvidence(kind="gazetteer-overlap", detail="en-corpus")
        for english, label in self._translation_ents(sent_id):
            if any(self.key(english) == key or key in self.key(english).split(" ") for key in keys):
                engine = self.translations[sent_id].provenance.engine
                return label, TypeEvidence(kind="translation-ner", detail=engine)
        return "MISC", TypeEvidence(kind="untyped")


def type_acronyms(sentences: list[Sentence], rows: dict[str, list[Entity]]) -> None:
    """'Demokratische Volksrepublik Korea (DVRK)' defines DVRK: untyped uses in the same document
    take the long form's type."""
    aliases: dict[tuple[str, str], Entity] = {}
    for sentence in sentences:
        entities = rows[sentence.sent_id]
        for left, right in pairwise(entities):
            between = sentence.text[left.end : right.start].strip()
            if between == "(" and right.text.isupper() and not left.type_source.untyped:
                aliases[(sentence.doc_id, right.text)] = left
    for sentence in sentences:
        updated = []
        for entity in rows[sentence.sent_id]:
            long_form = aliases.get((sentence.doc_id, entity.text.rstrip("-")))
            if long_form is not None and entity.type_source.untyped:
                alias = TypeSource(origin="projection", evidence=[TypeEvidence(kind="alias", detail=long_form.text)])
                entity = entity.model_copy(update={"label": long_form.label, "type_source": alias})
            updated.append(entity)
        rows[sentence.sent_id] = updated


def german_entities(analysis: Analysis, engine: str, projector: Projector) -> list[Entity]:
    """A German sentence's names, plus its date mentions, in text order.

    A trained NER model's types stand, but for GPE: projection narrows its LOC, and its ORG
    where the English side of the corpus says so; untyped chunks of the HanTa path are typed by
    projection."""
    sentence = analysis.sentence
    typed = []
    for entity in entities_for(analysis, engine):
        if entity.engine_label == "NE":  # an untyped HanTa chunk: projection types it
            label, source = projector.type_of(sentence.sent_id, entity.text)
            projected = TypeSource(origin="projection", evidence=[source])
            entity = entity.model_copy(update={"label": label, "type_source": projected})
        elif entity.label in ("LOC", "ORG"):
            # a trained model's LOC may be narrowed to a state by any projection; its ORG only when
            # the corpus's English side names the same span a state ("DVRK": aligned sentence or
            # the exact corpus gazetteer), the one case where that evidence beats a model of GermEval
            label, source = projector.type_of(sentence.sent_id, entity.text)
            corpus_evidence = source.kind in ("alignment", "gazetteer")
            if label == "GPE" and (entity.label == "LOC" or corpus_evidence):
                entity = entity.model_copy(update={"label": label, "type_source": entity.type_source.narrowed(source)})
        typed.append(entity)
    for start, end, text in german_dates(sentence, [(e.start, e.end) for e in typed]):
        typed.append(
            Entity(
                ent_id="",
                start=start,
                end=end,
                text=text,
                label="DATE",
                engine_label="DATE",
                type_source=TypeSource(origin="regex", engine="german-dates"),
            )
        )
    typed.sort(key=lambda e: e.start)
    return [e.model_copy(update={"ent_id": f"e{k}"}) for k, e in enumerate(typed)]
