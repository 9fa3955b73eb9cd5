"""``llm``: a local instruct model as the translator (substitute for argos), on one of two runtimes.

Faithful by construction: greedy decoding, one sentence per request (a chat whose system prompt
and examples are computed once per document and cached as a shared prefix; the sentence's turn
may carry its document's previous sentence and glossary terms), a token budget from the
source's length, a wall-clock budget per generate call, and a stop at the model's end-of-turn
token. The runtime (:data:`RUNTIMES`, ``translate.llm_runtime``) is llama.cpp on the CPU (the
GGUF as published, 2.4x faster there) and CTranslate2 on a GPU (float16 activations, batches of
equal prompt length). Every row names the runtime and device, and both are in every cache key.
Each translation is the one its request gets alone (tested): the cache, the executor and the
batch size never change a row.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from pipelines.core.errors import StageError
from pipelines.core.hashing import content_key
from pipelines.core.records import Provenance, TranslationRequest
from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate import llm_ctranslate2, llm_install, llm_llamacpp
from pipelines.engines.translate.translation_requests import line_sentence

PROMPTS = Path(__file__).parent / "data" / "llm_prompts.yaml"
LANGUAGES = {"de": "German", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch"}
END_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>", "</s>")
# the token budget of a translation: generous for de→en, where English needs fewer tokens
BUDGET_BASE, BUDGET_PER_SOURCE_TOKEN = 16, 2


class Runtime(Protocol):
    """What the engine asks of a runtime: token strings in, token ids out."""

    batch_size: int

    def greedy(
        self, static: tuple[str, ...], turns: list[list[str]], max_length: int, deadline: float, end_tokens: list[str]
    ) -> tuple[list[list[int]], set[int]]: ...

    def best_of_beam(
        self, static: tuple[str, ...], turn: list[str], max_length: int, width: int, n_best: int, end_tokens: list[str]
    ) -> list[list[int]]: ...


@dataclass(frozen=True)
class RuntimeKind:
    """A runtime's entry: what it records in rows, how it batches, where its tokenizer lives, how it loads."""

    recorded: Callable[[TranslateSettings, str], dict[str, Any]]
    batching: str
    files: Callable[[TranslateSettings, str], Path]  # (settings, verified sha256) -> tokenizer folder
    load: Callable[[TranslateSettings, Path, dict[str, int], str, int], Runtime]  # folder, vocabulary, device, threads


RUNTIMES: dict[str, RuntimeKind] = {
    "llamacpp": RuntimeKind(
        recorded=lambda settings, device: llm_llamacpp.recorded(device),
        batching="one request at a time",
        files=llm_install.prepared_tokenizer,
        load=lambda settings, folder, vocabulary, device, threads: llm_llamacpp.LlamaCppRuntime(
            settings.llm_file, vocabulary, device, threads, max_sequences=2 * (settings.retry_alternatives + 1) + 2
        ),
    ),
    "ctranslate2": RuntimeKind(
        recorded=llm_ctranslate2.recorded,
        batching="same prompt length only",
        files=llm_install.prepared_model,
        load=lambda settings, folder, vocabulary, device, threads: llm_ctranslate2.CT2Runtime(
            folder, settings, device, threads
        ),
    ),
}


def runtime_and_device(settings: TranslateSettings) -> tuple[str, str]:
    """``translate.llm_runtime`` and ``device`` resolved: auto is llama.cpp for a GGUF on the CPU when
    its binding is installed, else CTranslate2 (a GPU, or a CTranslate2 folder)."""
    device = llm_ctranslate2.visible_device(settings)
    folder = llm_install.is_ct2_folder(settings.llm_file)
    runtime = settings.llm_runtime
    if runtime == "auto":
        runtime = "llamacpp" if device == "cpu" and not folder and llm_llamacpp.installed() else "ctranslate2"
    if runtime == "llamacpp" and folder:
        raise StageError(f"{settings.llm_file}: llama.cpp runs a GGUF file, not a CTranslate2 folder")
    return runtime, device


@cache
def load_prompt(version: str) -> dict[str, Any]:
    prompts = yaml.safe_load(PROMPTS.read_text(encoding="utf-8"))
    if version not in prompts:
        raise StageError(f"translate.llm_prompt: no prompt version {version!r} in {PROMPTS} ({sorted(prompts)})")
    return prompts[version]


def describe(settings: TranslateSettings, sha256: str) -> tuple[str, dict[str, Any], Provenance]:
    """Fingerprint, output-affecting settings and provenance, without loading the model."""
    prompt = load_prompt(settings.llm_prompt)
    runtime, device = runtime_and_device(settings)
    kind = RUNTIMES[runtime]
    recorded = {
        **kind.recorded(settings, device),
        "prompt": settings.llm_prompt,
        "prompt_sha256": content_key(prompt),
        "decoding": f"greedy; a retry adds the {settings.retry_alternatives} best of a beam search",
        "max_new_tokens": f"{BUDGET_BASE} + {BUDGET_PER_SOURCE_TOKEN} x source tokens",
        "batching": kind.batching,
    }
    provenance = Provenance(
        engine="llm",
        model=f"{settings.llm_name} ({settings.llm_file.name})",
        version=f"{recorded['runtime']}, prompt {settings.llm_prompt}",
        model_sha256=sha256,
        substitute_for="argostranslate de->en machine translation",
    )
    return f"llm:{sha256}", recorded, provenance


class LLMEngine:
    """Loads the model once on its runtime; translates batches of requests, first try or strict retry."""

    can_retry = True

    def __init__(self, settings: TranslateSettings, threads: int) -> None:
        from tokenizers import Tokenizer

        sha256 = llm_install.source_sha256(settings)
        self.fingerprint, self.settings, self.provenance = describe(settings, sha256)
        runtime, device = runtime_and_device(settings)
        kind = RUNTIMES[runtime]
        folder = kind.files(settings, sha256)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.runtime = kind.load(settings, folder, self.tokenizer.get_vocab(), device, threads)
        self.template = _chat_template(folder)
        self.batch_size = self.runtime.batch_size
        self.max_length = settings.max_decoding_length
        self.max_seconds = settings.max_batch_seconds
        self.prompt = load_prompt(settings.llm_prompt)
        self.names = {
            "source": LANGUAGES.get(settings.source_lang, settings.source_lang),
            "target": LANGUAGES.get(settings.target_lang, settings.target_lang),
        }
        self.systems = {s: self.prompt["strict_system" if s else "system"].format(**self.names) for s in (False, True)}
        self.fixed_examples = [tuple(pair) for pair in self.prompt.get("examples", [])]
        vocabulary = self.tokenizer.get_vocab()
        self.end_tokens = [token for token in END_TOKENS if token in vocabulary]
        self.timed_out: set[int] = set()  # indices of the last call's outputs cut by max_batch_seconds

    def translate(self, requests: list[TranslationRequest]) -> list[str]:
        prompts = [self._prompt(request) for request in requests]
        groups: dict[tuple[tuple[str, ...], int], list[int]] = defaultdict(list)
        for index, (static, turn) in enumerate(prompts):
            if requests[index].alternatives:
                continue
            groups[(static, len(turn))].append(index)  # no padding: each output is the one it gets alone
        results = [""] * len(requests)
        self.timed_out = set()
        for (static, _), members in sorted(groups.items(), key=lambda group: group[0][1]):
            for begin in range(0, len(members), self.batch_size):
                part = members[begin : begin + self.batch_size]
                budget = self._budget(requests[part[0]])
                deadline = time.monotonic() + self.max_seconds
                turns = [prompts[i][1] for i in part]
                outputs, stopped = self.runtime.greedy(static, turns, budget, deadline, self.end_tokens)
                for position, (index, ids) in enumerate(zip(part, outputs, strict=True)):
                    results[index] = self.tokenizer.decode(ids).strip()
                    if position in stopped:
                        self.timed_out.add(index)
        for index, request in enumerate(requests):
            if request.alternatives:
                results[index] = json.dumps(self._alternatives(request, *prompts[index]), ensure_ascii=False)
        return results

    def _budget(self, request: TranslationRequest) -> int:
        source_tokens = len(self.tokenizer.encode(request.sentence.text, add_special_tokens=False).ids)
        return min(self.max_length, BUDGET_BASE + BUDGET_PER_SOURCE_TOKEN * source_tokens)

    def _alternatives(self, request: TranslationRequest, static: tuple[str, ...], turn: list[str]) -> list[str]:
        """The ``request.alternatives`` best hypotheses of one beam search, alone in its call. Beam
        search is deterministic; seeded sampling was not (CTranslate2 seeds a thread's generator
        once, so a process's second call drew other samples)."""
        width, budget = request.alternatives + 1, self._budget(request)
        found = self.runtime.best_of_beam(static, turn, budget, width, request.alternatives, self.end_tokens)
        return [self.tokenizer.decode(ids).strip() for ids in found]

    def translate_texts(self, texts: list[str], strict: bool = False, lang: str = "de") -> list[str]:
        """Plain texts, without context, terms or examples (tests and benchmarks)."""
        sentences = [line_sentence(n, text, lang) for n, text in enumerate(texts, 1)]
        return self.translate([TranslationRequest(sentence=s, strict=strict) for s in sentences])

    def _user_turn(self, request: TranslationRequest) -> str:
        """The sentence alone, or with its context and terms in the prompt version's wording."""
        if not (request.context or request.terms) or "text" not in self.prompt:
            return request.sentence.text
        lines = []
        if request.context:
            lines.append(self.prompt["context"].format(context=" ".join(request.context)))
        if request.terms:
            lines.append(self.prompt["terms"].format(terms="; ".join(f"{de} = {en}" for de, en in request.terms)))
        return "\n".join([*lines, self.prompt["text"].format(text=request.sentence.text)])

    def _prompt(self, request: TranslationRequest) -> tuple[tuple[str, ...], list[str]]:
        """Tokens of the shared prefix (system prompt and examples) and of the request's turn."""
        messages = [{"role": "system", "content": self.systems[request.strict]}]
        for source, target in [*self.fixed_examples, *request.examples]:
            messages += [{"role": "user", "content": source}, {"role": "assistant", "content": target}]
        prefix = self.template.render(messages=messages, add_generation_prompt=False)
        turn = [*messages, {"role": "user", "content": self._user_turn(request)}]
        full = self.template.render(messages=turn, add_generation_prompt=True)
        if not full.startswith(prefix):  # a template that rewrites earlier turns: no shared prefix
            prefix = ""
        static = tuple(self.tokenizer.encode(prefix, add_special_tokens=False).tokens) if prefix else ()
        return static, self.tokenizer.encode(full[len(prefix) :], add_special_tokens=False).tokens


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
