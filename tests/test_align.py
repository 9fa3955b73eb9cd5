"""Align: real embeddings on seed sentences, margin scoring, DP alignment, the eval harness."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pipelines.core.errors import StageError
from pipelines.core.io import read_jsonl
from pipelines.core.records import Alignment, Provenance, Sentence, Token, Translation
from pipelines.core.settings import AlignSettings, ExecutorSettings
from pipelines.engines.align.anchors import Anchors, anchor_tokens, mismatch_share, names, shared_anchors
from pipelines.engines.align.document_aligner import align_document
from pipelines.engines.align.mining import fusable_translations, mine
from pipelines.engines.vectors.each import EachEncoded, encode_each
from pipelines.engines.vectors.embedders import Embedder, make_embedder, normalise
from pipelines.evaluation import align_eval
from pipelines.stages import align

from .conftest import ROOT, project_settings

GOLD_TSV = ROOT / "tests" / "data" / "de_translations_of_en_seed_sentences.tsv"


def gold_rows() -> list[tuple[str, str]]:
    lines = GOLD_TSV.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]


def align_settings(**overrides) -> AlignSettings:
    return project_settings().align.model_copy(update={"cache_path": None, **overrides})


@pytest.fixture(scope="module")
def use() -> Embedder:
    return make_embedder("use-multilingual-v3", threads=2)


@pytest.fixture(scope="module")
def seed_texts(seed_corpus: Path) -> tuple[list[str], list[str]]:
    german = [s.text for s in read_jsonl(seed_corpus / "sentences" / "de-dprk-cuba.jsonl", Sentence)]
    english = [
        s.text for path in sorted((seed_corpus / "sentences").glob("en-*.jsonl")) for s in read_jsonl(path, Sentence)
    ]
    return german, english


@pytest.mark.parametrize("name", ["use-multilingual-v3", "multilingual-e5-small"])
def test_true_pairs_score_above_unrelated(name: str, seed_texts) -> None:
    _, english = seed_texts
    embedder = make_embedder(name, threads=2)
    rows = gold_rows()
    german = embedder.embed([de for _, de in rows])
    targets = embedder.embed(english)
    sims = german @ targets.T
    for k, (en, _) in enumerate(rows):
        true = english.index(en)
        assert sims[k].argmax() == true, (name, rows[k])
        assert sims[k, true] > np.delete(sims[k], true).max()


def test_ratio_margin_by_hand() -> None:
    # 2 sources, 3 targets, 2-d unit vectors; k=2, candidates = all
    src = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    tgt = normalise(np.array([[1.0, 0.1], [0.1, 1.0], [1.0, 1.0]]))
    best = mine(src, tgt, None, ["a", "b", "c"], AlignSettings(candidates=3, margin_k=2))
    cos = src @ tgt.T
    # margin(0, 0) = cos / ((mean of 2 best of row 0 + mean of 2 best of column 0) / 2)
    row0 = np.sort(cos[0])[::-1][:2].mean()
    col0 = np.sort(cos[:, 0])[::-1][:2].mean()
    assert best[0].tgt == 0 and best[0].mutual
    assert best[0].margin == pytest.approx(cos[0, 0] / ((row0 + col0) / 2), rel=1e-5)
    assert best[1].tgt == 1 and best[1].mutual


def gloss_texts(texts: list[str]) -> list[str]:
    """The offline translation the pipeline uses (dictionary gloss) of raw German texts."""
    import re

    from pipelines.engines.translate.gloss import GlossEngine

    engine, provenance = GlossEngine(), Provenance(engine="test")
    out = []
    for k, text in enumerate(texts):
        tokens = [Token(start=m.start(), end=m.end(), text=m.group()) for m in re.finditer(r"\w+|[^\w\s]", text)]
        sentence = Sentence(
            sent_id=f"s{k}", doc_id="d", para_id="p", index=k, lang="de", text=text, start=0, end=len(text),
            section=[], tokens=tokens, provenance=provenance,
        )  # fmt: skip
        out.append(engine.gloss(sentence))
    return out


def test_mining_finds_true_pairs_and_says_no_match_otherwise(use, seed_texts) -> None:
    """As the pipeline runs it (with the translate stage's output): every true pair, nothing else."""
    german, english = seed_texts
    rows = gold_rows()
    src = german + [de for _, de in rows]
    gold = {(len(german) + k, english.index(en)) for k, (en, _) in enumerate(rows)}
    result = align_eval.evaluate_mining(src, english, gold, gloss_texts(src), align_settings(), use)
    assert result["at_threshold"]["threshold"] == align_settings().threshold
    assert result["at_threshold"]["recall"] == 1.0
    assert result["at_threshold"]["precision"] == 1.0
    assert result["best"]["f1"] == 1.0 and result["p_at_1"] == 1.0


def test_competitive_linking_keeps_a_pair_that_is_not_mutually_best() -> None:
    """Target 0 is the best of both sources; source 1 still gets target 1, which nothing else claims."""
    src = normalise(np.array([[1.0, 0.0, 0.0], [0.95, 0.31, 0.0]]))
    tgt = normalise(np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]]))
    # margin_k=1: margin(1, 0) = 0.95 / ((0.95 + 1.0) / 2) = 0.974 beats margin(1, 1) = 0.818 / 0.884 = 0.926
    best = mine(src, tgt, None, ["a", "b", "c"], AlignSettings(candidates=3, margin_k=1))
    assert (best[0].tgt, best[0].linked, best[0].mutual) == (0, True, True)
    assert (best[1].tgt, best[1].linked) == (1, True)
    assert not best[1].mutual  # its own best target was taken by source 0


def test_ann_candidates_agree_with_dense(use, seed_texts) -> None:
    german, english = seed_texts
    src, tgt = use.embed(german + [de for _, de in gold_rows()]), use.embed(english)
    dense = mine(src, tgt, None, english, AlignSettings(candidates=16))
    ann = mine(src, tgt, None, english, AlignSettings(candidates=16, candidate_search="ann"))
    assert [(c.tgt, c.mutual) for c in ann] == [(c.tgt, c.mutual) for c in dense]
    assert [c.margin for c in ann] == pytest.approx([c.margin for c in dense], rel=1e-4)


def parallel_fixture() -> tuple[list[str], list[str], list[align_eval.Link]]:
    """German/English documents from the gold pairs with merges, an insertion and a deletion."""
    rows = gold_rows()[:8]
    en = [e for e, _ in rows]
    de = [d for _, d in rows]
    src = [
        de[0],
        de[1] + " " + de[2],
        de[3],
        "Der Vulkan Laki brach 1783 aus und verdunkelte monatelang den Himmel über Island.",
        de[4],
        de[5],
        de[6],
        de[7],
    ]
    tgt = [
        en[0],
        en[1],
        en[2],
        en[3],
        en[4] + " " + en[5],
        "Uzbekistan is South Korea's largest trading partner in Central Asia.",
        en[6],
        en[7],
    ]
    gold = [
        ((0,), (0,)),
        ((1,), (1, 2)),
        ((2,), (3,)),
        ((3,), ()),
        ((4, 5), (4,)),
        ((), (5,)),
        ((6,), (6,)),
        ((7,), (7,)),
    ]
    return src, tgt, gold


def test_document_dp_finds_merges_insertions_and_deletions(use) -> None:
    src, tgt, gold = parallel_fixture()
    links = align_document(src, tgt, None, use, align_settings())
    test = [(link.src, link.tgt) for link in links]
    assert ((1,), (1, 2)) in test and ((4, 5), (4,)) in test
    assert ((3,), ()) in test and ((), (5,)) in test
    result = align_eval.score_links([gold], [test])
    assert result["f1_strict"] == 1.0


def test_scorer_matches_hand_computed_cases() -> None:
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), ()), ((4,), (2,))]
    test = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ()), ((4,), (3,))]
    # precision over all 5 test links: strict tp = (0-0), (3-none) -> 2 of 5; lax adds (1)-(1) -> 3 of 5
    # recall, 1-0/0-1 dropped: gold links (0-0), (1,2-1), (4-2); test (0-0), (1-1), (4-3)
    #   strict: 1 of 3 gold found; lax: (0-0) and (1,2)-(1) overlaps test (1)-(1) -> 2 of 3
    result = align_eval.score_links([gold], [test])
    assert result["precision_strict"] == pytest.approx(2 / 5)
    assert result["precision_lax"] == pytest.approx(3 / 5)
    assert result["recall_strict"] == pytest.approx(1 / 3)
    assert result["recall_lax"] == pytest.approx(2 / 3)
    assert result["f1_strict"] == pytest.approx(2 * (2 / 5) * (1 / 3) / (2 / 5 + 1 / 3))
    # micro-average over two files is not the mean of per-file scores
    both = align_eval.score_links([gold, [((0,), (0,))]], [test, [((0,), (0,))]])
    assert both["precision_strict"] == pytest.approx(3 / 6)
    assert both["recall_strict"] == pytest.approx(2 / 4)


def test_mining_sweep_by_hand() -> None:
    scored = [(0, 0, 1.5), (1, 1, 1.2), (2, 5, 1.1), (3, 3, 0.9)]
    gold = {(0, 0), (1, 1), (3, 3)}
    best = align_eval.sweep(scored, gold)
    assert best["threshold"] == 0.9 and best["f1"] == pytest.approx(2 * 0.75 * 1 / 1.75)
    assert align_eval.prf({(0, 0), (2, 5)}, gold) == {
        "precision": 0.5,
        "recall": pytest.approx(1 / 3),
        "f1": pytest.approx(0.4),
        "predicted": 2,
        "gold": 3,
    }


def test_link_format_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "gold.txt"
    bad.write_text("[0]:[0]\n[1, 2]-[1]\n")
    with pytest.raises(StageError, match=r"gold\.txt:2: expected a link"):
        align_eval.read_links(bad)
    assert align_eval.parse_links(["[0, 1]:[0]", "[]:[5]", "[2]:[]"]) == [((0, 1), (0,)), ((), (5,)), ((2,), ())]


def test_align_eval_cli_on_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    src, tgt, gold = parallel_fixture()
    (tmp_path / "doc.de").write_text("\n".join(src) + "\n")
    (tmp_path / "doc.en").write_text("\n".join(tgt) + "\n")
    (tmp_path / "doc.gold").write_text(align_eval.format_links(gold))
    result = CliRunner().invoke(
        app,
        [
            "align-eval",
            "document",
            "--src",
            str(tmp_path / "doc.de"),
            "--tgt",
            str(tmp_path / "doc.en"),
            "--gold",
            str(tmp_path / "doc.gold"),
            "--out",
            str(tmp_path / "test.links"),
        ],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert scores["f1_strict"] == 1.0 and scores["f1_lax"] == 1.0
    assert set(align_eval.read_links(tmp_path / "test.links")) == set(gold)


def test_align_eval_fuses_a_translation_only_into_the_targets_language(tmp_path: Path) -> None:
    """Bleualign compares a translation into the target language: the English gloss of the German
    side is fused against an English target, and left out (with a message) when --mt-lang says the
    translation is in another language than the target; lingua names the languages otherwise."""
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    src, tgt, gold = parallel_fixture()
    files = {name: tmp_path / name for name in ("doc.de", "doc.en", "doc.gold", "doc.mt")}
    files["doc.de"].write_text("\n".join(src) + "\n")
    files["doc.en"].write_text("\n".join(tgt) + "\n")
    files["doc.gold"].write_text(align_eval.format_links(gold))
    files["doc.mt"].write_text("\n".join(gloss_texts(src)) + "\n")
    args = ["align-eval", "document", "--src", str(files["doc.de"]), "--tgt", str(files["doc.en"])]
    args += ["--gold", str(files["doc.gold"]), "--mt", str(files["doc.mt"])]
    fused = CliRunner().invoke(app, args)
    assert fused.exit_code == 0, fused.output
    assert "left out" not in fused.stderr
    wrong = CliRunner().invoke(app, [*args, "--mt-lang", "fr"])
    assert wrong.exit_code == 0, wrong.output
    assert f"{files['doc.mt']}: the translation is in fr, the target in en" in wrong.stderr
    assert json.loads(wrong.stdout.strip().splitlines()[-1])["f1_strict"] == 1.0  # scored without it
    assert align_eval.translation_to_fuse(["a"], "en", ["b"], "fr", "x") is None
    assert align_eval.translation_to_fuse(["a"], "en", ["b"], "en", "x") == ["a"]


def test_the_stage_fuses_translations_into_the_target_language_only() -> None:
    provenance = Provenance(engine="test")
    sentences = [
        Sentence(
            sent_id=f"de-d-s{k}", doc_id="de-d", para_id="p", index=k, lang="de", text=text, start=0,
            end=len(text), section=[], tokens=[], provenance=provenance,
        )
        for k, text in enumerate(["Guten Tag.", "Danke."])
    ]  # fmt: skip

    def translations(lang: str, count: int = 2) -> dict:
        return {
            s.sent_id: Translation(
                sent_id=s.sent_id, doc_id="de-d", src_lang="de", tgt_lang=lang, source=s.text, text=f"t{k}",
                provenance=provenance, settings={},
            )
            for k, s in enumerate(sentences[:count])
        }  # fmt: skip

    assert fusable_translations(sentences, translations("en"), "en") == ["t0", "t1"]
    assert fusable_translations(sentences, translations("fr"), "en") is None  # another language
    assert fusable_translations(sentences, translations("en", 1), "en") is None  # one sentence lacks it


def test_stage_on_the_seed_corpus(seed_corpus: Path, tmp_path: Path, use) -> None:
    settings = align_settings(cache_path=tmp_path / "emb.sqlite")
    files = sorted((seed_corpus / "sentences").glob("*.jsonl"))
    out = tmp_path / "alignments.jsonl"
    summary = align.run(files, None, out, tmp_path / "summary.json", tmp_path / "metrics.json", settings)
    rows = list(read_jsonl(out, Alignment))
    german = list(read_jsonl(seed_corpus / "sentences" / "de-dprk-cuba.jsonl", Sentence))
    assert [r.src_ids for r in rows] == [[s.sent_id] for s in german]
    # a comparable corpus: the German article has no true counterpart among the English pages
    assert summary["matches"] == 0 and summary["no_match"] == len(german)
    for row in rows:
        assert row.tgt_ids == [] and row.best_candidate.tgt_ids
        assert set(row.components) >= {"cosine", "combined", "margin", "mutual_best"}
        assert row.embedding_model.startswith("use-multilingual-v3")
    assert summary["best_target_doc"]["de-dprk-cuba"].startswith("en-")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["rows"] == len(german) and metrics["score"]["max"] < metrics["threshold"]
    # embeddings were cached per sentence: a second run embeds nothing new
    cached = EachEncoded("use-multilingual-v3", settings)
    assert cached.missing([s.text for s in german]) == []
    cached.inner = None  # any embedding call would fail now
    assert cached.embed([german[0].text]).shape == (1, 512)


def test_a_vector_does_not_depend_on_its_batch_mates(seed_texts, tmp_path: Path) -> None:
    """Batched USE moves a vector by ~1e-7 with its batch mates; encoded alone, a text's vector
    is the same whatever was encoded with it or before it."""
    german, english = seed_texts
    texts = german[:6] + english[:6]
    each = EachEncoded("use-multilingual-v3", align_settings(cache_path=tmp_path / "a.sqlite"))
    together = each.embed(texts)
    reversed_later = EachEncoded("use-multilingual-v3", align_settings(cache_path=tmp_path / "b.sqlite"))
    np.testing.assert_array_equal(reversed_later.embed(texts[::-1])[::-1], together)
    np.testing.assert_array_equal(each.embed(texts[3:5]), together[3:5])


class Recording:
    """An encoder that records the sizes it is asked for (the dispatch rule is what is tested)."""

    def __init__(self, name: str) -> None:
        self.name, self.calls = name, []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return np.ones((len(texts), 3), dtype=np.float32)


def test_a_cpu_encoder_gets_one_text_per_call_and_a_gpu_one_batches() -> None:
    cpu, gpu = Recording("gemma (abc, prompt x, cpu fp32)"), Recording("gemma (abc, prompt x, cuda bf16)")
    assert encode_each(cpu, ["a"] * 5).shape == (5, 3) and cpu.calls == [1] * 5
    assert encode_each(gpu, ["a"] * 130).shape == (130, 3) and gpu.calls == [64, 64, 2]


def test_a_process_pool_encodes_ahead_and_writes_the_same_rows(seed_corpus: Path, tmp_path: Path) -> None:
    files = sorted((seed_corpus / "sentences").glob("*.jsonl"))
    outputs = {}
    for name, executor in (("here", ExecutorSettings()), ("pool", ExecutorSettings(workers=2))):
        settings = align_settings(cache_path=tmp_path / f"{name}.sqlite")
        out = tmp_path / f"{name}.jsonl"
        side = (tmp_path / f"{name}-s.json", tmp_path / f"{name}-m.json")
        align.run(files, None, out, *side, settings, executor=executor)
        outputs[name] = out.read_bytes()
    assert outputs["pool"] == outputs["here"]
    # the workers' vectors were stored: the same texts need no encoding now
    pooled = EachEncoded("use-multilingual-v3", align_settings(cache_path=tmp_path / "pool.sqlite"))
    texts = [s.text for f in files for s in read_jsonl(f, Sentence)]
    assert len(texts) > 100 and pooled.missing(texts) == []


def test_document_mode_through_the_stage(tmp_path: Path, use) -> None:
    """Parallel documents: the stage's document mode aligns them monotonically, 1-1 and merges."""
    src, tgt, gold = parallel_fixture()
    provenance = Provenance(engine="test")

    def sentences(doc_id: str, lang: str, texts: list[str]) -> list[str]:
        return [
            Sentence(
                sent_id=f"{doc_id}-p000-s{k:02d}-x",
                doc_id=doc_id,
                para_id=f"{doc_id}-p000",
                index=k,
                lang=lang,
                text=text,
                start=0,
                end=len(text),
                section=[],
                tokens=[],
                provenance=provenance,
            ).model_dump_json()
            for k, text in enumerate(texts)
        ]

    (tmp_path / "de.jsonl").write_text("\n".join(sentences("de-doc", "de", src)) + "\n")
    (tmp_path / "en.jsonl").write_text("\n".join(sentences("en-doc", "en", tgt)) + "\n")
    settings = align_settings(mode="document", document_pairs=[("de-doc", "en-doc")])
    summary = align.run(
        [tmp_path / "de.jsonl", tmp_path / "en.jsonl"],
        None,
        tmp_path / "a.jsonl",
        tmp_path / "s.json",
        tmp_path / "m.json",
        settings,
        embedder=use,
    )
    rows = list(read_jsonl(tmp_path / "a.jsonl", Alignment))
    position = {f"{doc}-p000-s{k:02d}-x": k for doc in ("de-doc", "en-doc") for k in range(len(src) + len(tgt))}
    links = {(tuple(position[i] for i in r.src_ids), tuple(position[i] for i in r.tgt_ids)) for r in rows}
    assert links == set(gold)
    assert summary["mode"] == "document" and summary["matches"] == 6 and summary["no_match"] == 2
    assert all(r.method == "document" and "cost" in r.components for r in rows)


def test_anchor_tokens_and_mismatch_share_by_hand() -> None:
    assert anchor_tokens("Am 29. August 1960 traf Kim Il Sung in Havanna ein.") == [
        "29", "august", "1960", "kim", "sung", "havanna"
    ]  # fmt: skip
    src, tgt = shared_anchors(["Am 29. August 1960 in Havanna"], ["On 30 September 1990 in Havana, August"])
    assert src[0] == Counter({"august": 1}) and tgt[0] == Counter({"august": 1})  # only what both sides know
    assert mismatch_share(Counter({"1960": 1, "kuba": 1}), Counter({"1960": 1, "1990": 1})) == 2 / 4
    assert mismatch_share(Counter(), Counter()) == 0.0
    anchors = Anchors(["Seit 1960 Kim", "1990"], ["Since 1960", "Kim 1990 and 1990"])
    assert list(anchors.src_counts()) == [2, 1] and list(anchors.tgt_counts()) == [1, 3]
    assert list(anchors.mismatch(0, 1, np.array([0, 1]), 1)) == [1, 3]  # {1960, kim} vs {1960} / {kim, 1990 x2}
    assert list(anchors.mismatch(0, 2, np.array([0]), 2)) == [1]  # one 1990 too many
    assert list(anchors.mismatch(1, 1, np.array([1]), 1)) == [2]


def test_names_are_capitalised_in_both_languages_sense() -> None:
    """German nouns and words capitalised only at a sentence's start are no names."""
    src = ["Das System der Organisation wurde 1990 in Berlin gegründet.", "Sie kamen aus Berlin."]
    tgt = ["The system of the organisation was founded in Berlin in 1990.", "All of them came from Berlin."]
    known = names(src, tgt)
    assert "berlin" in known and not {"system", "organisation", "sie", "all", "das", "the"} & known
    source, target = shared_anchors(src, tgt)
    assert source[0] == Counter({"1990": 1, "berlin": 1}) == target[0]
    assert source[1] == Counter({"berlin": 1}) == target[1]  # "Sie" and "All" only start sentences


def test_anchor_penalty_scales_the_margin_by_the_unmatched_share() -> None:
    """Same vectors, so the same ratio margins; the pair whose number differs loses half of it."""
    src = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    tgt = normalise(np.array([[1.0, 0.1], [0.1, 1.0]]))
    texts_src, texts_tgt = ["signed in 1990", "met in 1990"], ["signed in 1961", "met in 1990"]

    def mined(penalty: float) -> list:
        settings = AlignSettings(candidates=2, margin_k=1, anchor_penalty=penalty)
        return mine(src, tgt, None, texts_tgt, settings, None, texts_src)

    plain, fined = mined(0.0), mined(0.5)
    # "1961" occurs on one side only, so it is no anchor: pair 0 has one unmatched anchor of one
    assert fined[0].anchor_mismatch == 1.0 and fined[0].margin == pytest.approx(plain[0].margin * 0.5)
    assert fined[1].anchor_mismatch == 0.0 and fined[1].margin == pytest.approx(plain[1].margin)
    assert plain[0].anchor_mismatch is None  # penalty off: not computed
