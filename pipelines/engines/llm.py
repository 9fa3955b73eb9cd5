"""``llm``: a local instruct model as the translator, run by CTranslate2 (substitute for argos).

Faithful by construction: greedy decoding, one sentence per request (a few-shot chat whose
system prompt and examples are computed once and cached by CTranslate2 as a static prompt), a
token budget from the source's length, and a stop at the model's end-of-turn token.
Requests are batched only with others of exactly the same prompt length, so no request is
padded and each translation is the one it would get alone (tested): the cache, the executor
and the batch size never change a row.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import StageError
from pipelines.core.hashing import content_key, package_version
from pipelines.core.records import Provenance, Sentence
from pipelines.core.settings import TranslateSettings
from pipelines.engines import llm_install

PROMPTS = Path(__file__).parent / "data" / "llm_prompts.yaml"
LANGUAGES = {"de": "German", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch"}
END_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>", "</s>")
# the token budget of a translation: generous for de→en, where English needs fewer tokens
BUDGET_BASE, BUDGET_PER_SOURCE_TOKEN = 16, 2


@cache
def load_prompt(version: str) -> dict[str, Any]:
    prompts = yaml.safe_load(PROMPTS.read_text(encoding="utf-8"))
    if version not in prompts:
        raise StageError(f"translate.llm_prompt: no prompt version {version!r} in {PROMPTS} ({sorted(prompts)})")
    return prompts[version]


def describe(settings: TranslateSettings, sha256: str) -> tuple[str, dict[str, Any], Provenance]:
    """Fingerprint, output-affecting settings and provenance, without loading the model."""
    prompt = load_prompt(settings.llm_prompt)
    recorded = {
        "runtime": "ctranslate2",
        "compute_type": settings.llm_compute_type,
        "prompt": settings.llm_prompt,
        "prompt_sha256": content_key(prompt),
        "decoding": "greedy",
        "max_new_tokens": f"{BUDGET_BASE} + {BUDGET_PER_SOURCE_TOKEN} x source tokens",
        "batching": "same prompt length only",
    }
    provenance = Provenance(
        engine="llm",
        model=f"{settings.llm_name} ({settings.llm_file.name})",
        version=f"ctranslate2 {package_version('ctranslate2', '?')}, prompt {settings.llm_prompt}",
        model_sha256=sha256,
        substitute_for="argostranslate de->en machine translation",
    )
    return f"llm:{sha256}", recorded, provenance


class LLMEngine:
    """Loads the CTranslate2 model once; translates batches of sentences, first try or strict retry."""

    can_retry = True

    def __init__(self, settings: TranslateSettings, threads: int) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        sha256 = llm_install.source_sha256(settings)
        self.fingerprint, self.settings, self.provenance = describe(settings, sha256)
        folder = llm_install.prepared_model(settings, sha256)
        self.generator = ctranslate2.Generator(
            str(folder), device="cpu", compute_type=settings.llm_compute_type, intra_threads=threads
        )
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.template = _chat_template(folder)
        self.batch_size = max(1, settings.llm_batch_size)
        self.max_length = settings.max_decoding_length
        prompt = load_prompt(settings.llm_prompt)
        names = {
            "source": LANGUAGES.get(settings.source_lang, settings.source_lang),
            "target": LANGUAGES.get(settings.target_lang, settings.target_lang),
        }
        self.systems = {False: prompt["system"].format(**names), True: prompt["strict_system"].format(**names)}
        self.examples = [tuple(pair) for pair in prompt["examples"]]
        vocabulary = self.tokenizer.get_vocab()
        self.end_tokens = [token for token in END_TOKENS if token in vocabulary]

    def translate(self, sentences: list[Sentence], strict: bool = False) -> list[str]:
        return self.translate_texts([s.text for s in sentences], strict)

    def translate_texts(self, texts: list[str], strict: bool = False) -> list[str]:
        static, turns = self._prompts(texts, strict)
        groups: dict[int, list[int]] = defaultdict(list)
        for index, turn in enumerate(turns):
            groups[len(turn)].append(index)
        results = [""] * len(texts)
        for _, members in sorted(groups.items()):
            for begin in range(0, len(members), self.batch_size):
                part = members[begin : begin + self.batch_size]
                source_tokens = len(self.tokenizer.encode(texts[part[0]], add_special_tokens=False).ids)
                outputs = self.generator.generate_batch(
                    [turns[i] for i in part],
                    static_prompt=static or None,
                    include_prompt_in_result=False,
                    beam_size=1,
                    max_length=min(self.max_length, BUDGET_BASE + BUDGET_PER_SOURCE_TOKEN * source_tokens),
                    end_token=self.end_tokens or None,
                )
                for index, output in zip(part, outputs, strict=True):
                    results[index] = self.tokenizer.decode(output.sequences_ids[0]).strip()
        return results

    def _prompts(self, texts: list[str], strict: bool) -> tuple[list[str], list[list[str]]]:
        """Tokens of the shared prefix (system prompt and examples) and of each sentence's turn."""
        messages = [{"role": "system", "content": self.systems[strict]}]
        for source, target in self.examples:
            messages += [{"role": "user", "content": source}, {"role": "assistant", "content": target}]
        prefix = self.template.render(messages=messages, add_generation_prompt=False)
        turns = []
        for text in texts:
            turn = [*messages, {"role": "user", "content": text}]
            full = self.template.render(messages=turn, add_generation_prompt=True)
            if not full.startswith(prefix):  # a template that rewrites earlier turns: no shared prefix
                prefix = ""
            turns.append(full)
        static = self.tokenizer.encode(prefix, add_special_tokens=False).tokens if prefix else []
        return static, [self.tokenizer.encode(t[len(prefix) :], add_special_tokens=False).tokens for t in turns]


def _chat_template(folder: Path) -> Any:
    """The model's own chat template (saved beside the converted model), rendered with Jinja2."""
    import json

    from jinja2.sandbox import ImmutableSandboxedEnvironment

    path = folder / "chat_template.jinja"
    if path.exists():
        source = path.read_text(encoding="utf-8")
    else:
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        source = config.get("chat_template")
        if not source:
            raise StageError(f"{folder}: the model has no chat template; the llm engine needs an instruct model")
    options = {"trim_blocks": True, "lstrip_blocks": True, "extensions": ["jinja2.ext.loopcontrols"]}
    environment = ImmutableSandboxedEnvironment(**options)  # as transformers renders chat templates
    return environment.from_string(source)
