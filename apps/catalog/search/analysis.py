"""Text analysis for search: the one definition of how a title or a query becomes tokens.

Done in Python rather than by each engine's analyzer so that the three backends match the same
things (DESIGN.md: a mode changes a backend, never what a user sees), and so that what no engine's
stock analyzer does well here is done once:

- folding: case (Unicode casefold, so "ß" is "ss"), accents and other combining marks of Latin,
  Greek and Cyrillic (U+0300-U+036F) and Arabic vowel marks, plus the letters that have no
  decomposition but are written without their stroke when typed (ø, ł, đ, æ, œ ...): what
  PostgreSQL's `unaccent` does, with the same table on every backend. Japanese voicing marks are
  kept: が and か are different syllables, not an accent.
- words: runs of letters and digits; an apostrophe joins (don't -> "don", "t" and "dont", so
  "amour" finds "L'amour" and "dont" finds "Don't").
- Chinese and Japanese, written without spaces: each character and each pair of neighbours is a
  token (the CJK bigram scheme of Lucene's CJK analyzer), so any part of a title can be found.
  Hangul is written with spaces and stays in words.
"""

from __future__ import annotations

import re
import unicodedata

_STROKED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i",
                          "ħ": "h", "ŧ": "t", "ŀ": "l"})  # fmt: skip
_MARKS = re.compile("[\u0300-\u036f\u064b-\u065f\u0670]")
_APOSTROPHES = re.compile("['\u2019\u02bc\u2018`\u00b4]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CJK = re.compile("[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

FUZZY_MIN_LENGTH = 3  # shorter words are matched exactly: one edit away from almost anything


def fold(text: str) -> str:
    """Lower case without accents, apostrophes unified, every other character kept."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = unicodedata.normalize("NFC", _MARKS.sub("", text)).translate(_STROKED)
    return _APOSTROPHES.sub("'", text)


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (a CJK run is one word here)."""
    return _WORD.findall(fold(text))


def _cjk_tokens(run: str, *, for_query: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    # A query's run must match as a whole: its pairs, all of them. A title also gets its single
    # characters, so that a one-character query finds it.
    return pairs if for_query else [*run, *pairs]


def word_tokens(word: str, *, for_query: bool = False) -> list[str]:
    """The tokens of one folded word: itself (and its apostrophe parts), or CJK characters/pairs."""
    tokens: list[str] = []
    for part in word.split("'"):
        position = 0
        for match in _CJK.finditer(part):
            if match.start() > position:
                tokens.append(part[position : match.start()])
            tokens.extend(_cjk_tokens(match.group(), for_query=for_query))
            position = match.end()
        if position < len(part):
            tokens.append(part[position:])
    if "'" in word:
        tokens.append(word.replace("'", ""))
    return tokens


def tokens(text: str) -> list[str]:
    """The distinct tokens a document field is indexed under, in first-seen order."""
    seen: dict[str, None] = {}
    for word in words(text):
        for token in word_tokens(word):
            seen.setdefault(token, None)
    return list(seen)


def key(text: str) -> str:
    """A name as compared for exact and prefix matches: its folded words, one space apart."""
    return " ".join(word.replace("'", "") for word in words(text))


def padded(token_list: list[str]) -> str:
    """Tokens as stored: space separated with a space at each end, so that a token is found whole
    as " token " and by prefix as " tok" (SQLite's trigram index matches these substrings)."""
    return f" {' '.join(token_list)} " if token_list else ""


def is_cjk(token: str) -> bool:
    return bool(_CJK.fullmatch(token))


def fuzzy_allowed(token: str) -> int:
    """Edits a typed word may be away from a word of the catalog (Elasticsearch's AUTO:
    none below 3 characters, one up to 5, two from 6), none for numbers and CJK."""
    if len(token) < FUZZY_MIN_LENGTH or token.isdigit() or is_cjk(token):
        return 0
    return 1 if len(token) <= 5 else 2


def deletions(term: str) -> set[str]:
    """The term with one character left out, each way: two words one edit apart (a substitution,
    a transposition, an insertion or a deletion) always share one of these or each other, which is
    what makes a plain index find spelling neighbours (the symmetric delete method)."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def edit_distance(a: str, b: str, *, limit: int = 2) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions),
    stopping early once every path is past `limit` (returns limit + 1 then)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)
