"""What a search query asks: words to match and field filters, per the Spotify Web API's `q`.

Spotify's filters: `artist:`, `album:`, `track:`, `year:` (a year or a range `1955-1960`),
`genre:`, `isrc:`, `upc:`, `tag:new` (albums of the last two weeks) and `tag:hipster` (the least
popular tenth of albums); a filter's value is one word or a quoted phrase. Everything else is text:
operator characters of any engine (`&|!():*"'\\`), SQL, emoji or right-to-left script are only
characters here, and analysis keeps the letters and digits among them. Only an empty query and a
malformed year are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apps.catalog.search import analysis
from apps.catalog.search.models import SearchKind
from apps.common.errors import ApplicationError

MAX_CHARS = 250  # a longer q is cut here: nobody types more, and the work stays bounded
MAX_WORDS = 10
FILTER = re.compile(r'(?i)(?<!\S)(artist|album|track|year|genre|isrc|upc|tag):(?:"([^"]*)"?|(\S+))')
YEAR = re.compile(r"^(\d{4})(?:-(\d{4}))?$")

# Which result types each filter can hold for (Spotify's table); for other types it cannot match.
APPLIES = {
    "artist": {SearchKind.TRACK, SearchKind.ALBUM, SearchKind.ARTIST},
    "album": {SearchKind.TRACK, SearchKind.ALBUM},
    "track": {SearchKind.TRACK},
    "year": {SearchKind.TRACK, SearchKind.ALBUM, SearchKind.ARTIST},
    "genre": {SearchKind.TRACK, SearchKind.ARTIST},
    "isrc": {SearchKind.TRACK},
    "upc": {SearchKind.ALBUM},
    "tag": {SearchKind.ALBUM},
}


@dataclass(frozen=True)
class Slot:
    """One token the query needs, and what counts as it: the token itself (or, for the last word
    typed, any token it begins), or one of its spelling corrections."""

    token: str
    prefix: bool = False
    corrections: tuple[str, ...] = ()
    # For a prefix: the most popular words of the vocabulary it begins (itself included when it is
    # one), which a backend may match instead of "any word beginning so"; None when not looked up.
    completions: tuple[str, ...] | None = None


@dataclass
class Query:
    text_slots: list[Slot] = field(default_factory=list)  # the free text, all required
    key: str = ""  # the free text folded, to compare with names whole or as their beginning
    fields: dict[str, list[Slot]] = field(default_factory=dict)  # artist/album/track/genre words
    year: tuple[int, int] | None = None
    code: str = ""  # an ISRC or a UPC
    tags: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)  # filter names present

    @property
    def is_empty(self) -> bool:
        """Nothing left to match (only punctuation was typed): no results, not an error."""
        return not (self.text_slots or self.fields or self.year or self.code or self.tags)

    def applies_to(self, kind: str) -> bool:
        return all(kind in APPLIES[name] for name in self.used)

    def words(self) -> list[str]:
        """Every token that may want a spelling correction."""
        tokens = [slot.token for slot in self.text_slots]
        for slots in self.fields.values():
            tokens.extend(slot.token for slot in slots)
        return tokens


def _slots(text: str, *, last_is_prefix: bool) -> list[Slot]:
    slots: list[Slot] = []
    typed = analysis.words(text)[:MAX_WORDS]
    for index, word in enumerate(typed):
        tokens = analysis.word_tokens(word.replace("'", ""), for_query=True)
        for position, token in enumerate(tokens):
            last = index == len(typed) - 1 and position == len(tokens) - 1
            slots.append(Slot(token=token, prefix=last and last_is_prefix and not analysis.is_cjk(token)))
    return slots


def parse(q: str | None) -> Query:
    raw = (q or "").strip()
    if not raw:
        raise ApplicationError("No search query: q is required.")
    raw = raw[:MAX_CHARS]
    query = Query()
    for match in FILTER.finditer(raw):
        name, value = match.group(1).lower(), match.group(2) if match.group(2) is not None else match.group(3)
        if name in ("year", "isrc", "upc", "tag"):
            query.used.add(name)
        if name == "year":
            found = YEAR.match(value.strip())
            if not found or (found.group(2) and found.group(2) < found.group(1)):
                raise ApplicationError(f"Invalid year filter {value!r}: use a year (1969) or a range (1960-1969).")
            query.year = (int(found.group(1)), int(found.group(2) or found.group(1)))
        elif name in ("isrc", "upc"):
            query.code = value.strip().upper()
        elif name == "tag":
            query.tags.add(value.strip().lower())
        else:
            slots = _slots(value, last_is_prefix=False)
            if slots:  # album:"" or album:"!!" has nothing to match: as if the filter were not there
                query.used.add(name)
                query.fields.setdefault(name, []).extend(slots)
    text = FILTER.sub(" ", raw)
    query.text_slots = _slots(text, last_is_prefix=True)
    query.key = " ".join(slot_word.replace("'", "") for slot_word in analysis.words(text)[:MAX_WORDS])
    return query
