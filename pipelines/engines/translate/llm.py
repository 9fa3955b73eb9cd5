"""``llm``: a local instruct model as the translator, run by CTranslate2 (substitute for argos).

Faithful by construction: greedy decoding, one sentence per request (a chat whose system prompt
and examples are computed once per document and cached by CTranslate2 as a static prompt; the
sentence's turn may carry its document's previous sentence and glossary terms), a token budget
from the source's length, a wall-clock budget per generate call, and a stop at the model's
end-of-turn token. On a GPU (``translate.device``) the same requests run with float16
activations: rows then differ from the CPU's, and the device is part of every cache key.
Requests are batched only with others of exactly the same prompt length, so no request is
padded and each translation is the one it would get alone (tested): the cache, the executor
and the batch size never change a row.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import StageError
from pipelines.core.hashing import content_key, package_version
from pipelines.core.records import Provenance, TranslationRequest
from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate import llm_install
from pipelines.engines.translate.translation_requests import line_sentence

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
    device, compute = device_and_compute(settings)
    recorded = {
        "runtime": "ctranslate2",
        "device": device,
        "compute_type": compute,
        "cpu_isa": pin_cpu_isa(settings) if device == "cpu" else None,
        "prompt": settings.llm_prompt,
        "prompt_sha256": content_key(prompt),
        "decoding": f"greedy; a retry adds the {settings.retry_alternatives} best of a beam search",
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


def pin_cpu_isa(settings: TranslateSettings) -> str:
    """Pin the CPU kernels that decide outputs (CTranslate2's ISA, MKL's code path) before the
    library first runs, so machines with and without AVX-512 write the same rows. The pin wins
    over an environment that asks for another ISA (``translate.cpu_isa: null`` leaves the choice
    to the environment and the machine). Returns what is in force ("native" where the CPU cannot)."""
    isa = settings.cpu_isa
    if not isa:
        return os.environ.get("CT2_FORCE_CPU_ISA", "native")
    flags = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    if isa.lower() != "generic" and f" {isa.lower()}" not in flags:
        return os.environ.get("CT2_FORCE_CPU_ISA", "native")
    os.environ["CT2_FORCE_CPU_ISA"] = isa.upper()
    os.environ["MKL_CBWR"] = "COMPATIBLE" if isa.lower() == "generic" else isa.upper()
    return os.environ["CT2_FORCE_CPU_ISA"]


def device_and_compute(settings: TranslateSettings) -> tuple[str, str]:
    """``translate.device`` resolved (auto: CUDA when CTranslate2 sees a GPU) and the compute type
    for it: int8 weights with float16 activations on a GPU, as configured on the CPU."""
    pin_cpu_isa(settings)
    import ctranslate2

    device = settings.device
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute = settings.llm_compute_type
    if device == "cuda" and compute == "int8":
        compute = "int8_float16"
    return device, compute


class LLMEngine:
    """Loads the CTranslate2 model once; translates batches of requests, first try or strict retry."""

    can_retry = True

    def __init__(self, settings: TranslateSettings, threads: int) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        sha256 = llm_install.source_sha256(settings)
        self.fingerprint, self.settings, self.provenance = describe(settings, sha256)
        folder = llm_install.prepared_model(settings, sha256)
        device, compute = device_and_compute(settings)
        self.generator = ctranslate2.Generator(str(folder), device=device, compute_type=compute, intra_threads=threads)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.template = _chat_template(folder)
        self.batch_size = max(1, settings.llm_gpu_batch_size if device == "cuda" else settings.llm_batch_size)
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
                text = requests[part[0]].sentence.text
                source_tokens = len(self.tokenizer.encode(text, add_special_tokens=False).ids)
                deadline = time.monotonic() + self.max_seconds
                stopped: set[int] = set()

                def out_of_time(step: Any, stopped: set[int] = stopped, deadline: float = deadline) -> bool:
                    if time.monotonic() > deadline:
                        stopped.add(step.batch_id)
                        return True
                    return False

                outputs = self.generator.generate_batch(
                    [prompts[i][1] for i in part],
                    static_prompt=list(static) or None,
                    include_prompt_in_result=False,
                    beam_size=1,
                    max_length=min(self.max_length, BUDGET_BASE + BUDGET_PER_SOURCE_TOKEN * source_tokens),
                    end_token=self.end_tokens or None,
                    callback=out_of_time,
                )
                for position, (index, output) in enumerate(zip(part, outputs, strict=True)):
                    results[index] = self.tokenizer.decode(output.sequences_ids[0]).strip()
                    if position in stopped:
                        self.timed_out.add(index)
        for index, request in enumerate(requests):
            if request.alternatives:
                results[index] = json.dumps(self._alternatives(request, *prompts[index]), ensure_ascii=False)
        return results

    def _alternatives(self, request: TranslationRequest, static: tuple[str, ...], turn: list[str]) -> list[str]:
        """The ``request.alternatives`` best hypotheses of one beam search, alone in its call. Beam
        search is deterministic; seeded sampling was not (CTranslate2 seeds a thread's generator
        once, so a process's second call drew other samples). CTranslate2 takes no callback with a
        beam, so this call is bounded by its token budget alone."""
        source_tokens = len(self.tokenizer.encode(request.sentence.text, add_special_tokens=False).ids)
        [output] = self.generator.generate_batch(
            [turn],
            static_prompt=list(static) or None,
            include_prompt_in_result=False,
            beam_size=request.alternatives + 1,
            num_hypotheses=request.alternatives,
            max_length=min(self.max_length, BUDGET_BASE + BUDGET_PER_SOURCE_TOKEN * source_tokens),
            end_token=self.end_tokens or None,
        )
        return [self.tokenizer.decode(ids).strip() for ids in output.sequences_ids]

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
