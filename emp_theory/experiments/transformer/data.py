r"""The text data shipped with the package: calibration sentences and the similarity pairs.

:data:`CALIBRATION_FILE` (96 sentences, Wanda's input norms and the head importances) and
:data:`STS_FILE` (300 sentence pairs with 0-5 similarity scores, the evaluation set) were
written for this project and live in ``emp_theory/data``. Reading them needs only NumPy.
No paper symbol is involved.

References
----------
.. [1] D. Cer, M. Diab, E. Agirre, I. Lopez-Gazpio, L. Specia, "SemEval-2017 Task 1:
       semantic textual similarity", SemEval 2017 (the 0-5 similarity scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CALIBRATION_FILE", "STS_FILE", "STSPairs", "load_calibration", "load_sts"]

#: The package's data folder, ``emp_theory/data``.
DATA_DIR = Path(__file__).resolve().parents[2] / "data"

#: Calibration sentences (Wanda norms, head importance), written for this project.
CALIBRATION_FILE = DATA_DIR / "sentences_calibration.txt"


#: Sentence-similarity pairs with our 0-5 scores, written for this project.
STS_FILE = DATA_DIR / "sts_pairs.tsv"


_STS_HEADER = ("score", "sentence1", "sentence2")


def _read_lines(path, name: str) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"`{name}` {p} does not exist")
    try:
        return p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"`{name}` {p} is not UTF-8 text: {exc}") from None


def load_calibration(path=None) -> list[str]:
    """The calibration sentences: one per line, ``#`` comments and blank lines skipped.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Default :data:`CALIBRATION_FILE` (96 sentences on varied topics, written
        for this project).

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        If it is not UTF-8, holds no sentence, or repeats a sentence.
    """
    path = CALIBRATION_FILE if path is None else path
    out = [ln.strip() for ln in _read_lines(path, "path")]
    out = [ln for ln in out if ln and not ln.startswith("#")]
    if not out:
        raise ValueError(f"`path` {path} holds no sentences")
    if len(set(out)) != len(out):
        raise ValueError(f"`path` {path} repeats a sentence")
    return out


@dataclass(frozen=True)
class STSPairs:
    """Sentence pairs with gold similarity scores in [0, 5] (see :func:`load_sts`)."""

    sentence1: tuple[str, ...]
    sentence2: tuple[str, ...]
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.sentence1)

    def sentences(self) -> list[str]:
        """The distinct sentences, in order of first appearance (the evaluation set)."""
        seen: dict[str, None] = {}
        for a, b in zip(self.sentence1, self.sentence2, strict=True):
            seen.setdefault(a)
            seen.setdefault(b)
        return list(seen)


def load_sts(path=None) -> STSPairs:
    """The sentence-similarity benchmark: tab-separated ``score, sentence1, sentence2``.

    Format: UTF-8; lines starting with ``#`` are comments; the first other line is
    the header ``score<TAB>sentence1<TAB>sentence2``; then one pair per line with
    a score in :math:`[0, 5]` (STS scale, Cer et al. 2017) and two non-empty
    sentences. The default :data:`STS_FILE` holds 300 pairs whose sentences and
    scores were written for this project.

    Parameters
    ----------
    path : str or os.PathLike, optional

    Returns
    -------
    STSPairs

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        On a missing header, a line without exactly three fields, a score that is
        not a number in [0, 5], an empty sentence, or no pairs.
    """
    path = STS_FILE if path is None else path
    lines = [ln for ln in _read_lines(path, "path") if ln.strip() and not ln.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != _STS_HEADER:
        raise ValueError(
            f"`path` {path}: the first non-comment line must be {'<TAB>'.join(_STS_HEADER)}"
        )
    s1, s2, sc = [], [], []
    for i, ln in enumerate(lines[1:], start=2):
        fields = ln.split("\t")
        if len(fields) != 3:
            raise ValueError(f"`path` {path}: data line {i} has {len(fields)} fields, expected 3")
        try:
            score = float(fields[0])
        except ValueError:
            raise ValueError(
                f"`path` {path}: data line {i} score {fields[0]!r} is not a number"
            ) from None
        if not (0.0 <= score <= 5.0):  # also rejects NaN
            raise ValueError(f"`path` {path}: data line {i} score {score} is outside [0, 5]")
        a, b = fields[1].strip(), fields[2].strip()
        if not a or not b:
            raise ValueError(f"`path` {path}: data line {i} has an empty sentence")
        s1.append(a)
        s2.append(b)
        sc.append(score)
    if not sc:
        raise ValueError(f"`path` {path} holds no pairs")
    return STSPairs(tuple(s1), tuple(s2), np.asarray(sc, dtype=np.float64))
