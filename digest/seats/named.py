"""A place name used inside a longer name: a person's title, or a named thing it heads.

Two uses of a place name say nothing about where a story happens:

* the title of a person: "Archbishop of Canterbury", "Lord Faulkner of Worcester", "Duke of
  York". A peer or a bishop is named after a place, and stories about them are national.
  Offices that are local ("Mayor of Bristol", "Lord Provost of Glasgow") stay the place.
* the head of a longer capitalised name: a street ("Oxford Street" in London, "Wilmslow
  Road" in Manchester), a firm, brand or work ("Wells Fargo", "Vauxhall Corsa", "Stone
  Roses"), an institution, venue or event ("Cambridge University", "Buckingham Palace",
  "Wimbledon Championships"). What follows the place decides: civic words ("Council",
  "Borough", "MP"), compass points and parts of a place ("Bay", "High Street") keep it the
  place; an institution, venue or event keeps it only when the article also names the place
  on its own (a story about a trial at "Leeds Crown Court" that says "in Leeds" is local, a
  study by "Loughborough University" experts alone is not); a street word or any other
  capitalised word makes it another thing. A longer name that is itself a place ("Sutton
  Coldfield", "Milton Keynes") is matched in its own right by the matcher, so the shorter
  name inside it is not the place either.

Each rule gives the reason ``digest tag`` shows, or ``""`` when the name stands. Headlines
are left alone: many outlets capitalise every word of a headline.
"""

from __future__ import annotations

import re

from digest.seats.wordlists import (
    INSTITUTION_WORDS,
    LOCAL_OFFICES,
    NOT_SURNAMES,
    PEER_TITLES,
    PLACE_PARTS,
    STREET_WORDS,
    TITLES_OF_PLACE,
)

_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][\w'’.&-]*)")
# Capitalised words after the place read to tell what the longer name is.
_LONGEST = 3


def title_of_reason(text: str, start: int) -> str:
    """Why a place after " of " is part of a person's title ("" otherwise): "Bishop of
    Durham", "Duke of York", or a peer's "Lord Faulkner of Worcester"; not a local office
    ("Lord Mayor of Leeds", "Lord Provost of Glasgow").

    Words are found with ``rfind`` within a short reach: most places after "of" are not
    in a title, and this runs for each of them."""
    word, begin = _word_ending(text, start - 4)
    if word in TITLES_OF_PLACE:
        return f"part of a title ({word} of ...)"
    if not word[:1].isupper() or word in LOCAL_OFFICES or word in NOT_SURNAMES:
        return ""
    peer, _ = _word_ending(text, begin - 1)
    if peer in PEER_TITLES:
        return f"part of a title ({peer} {word} of ...)"
    return ""


def _word_ending(text: str, end: int) -> tuple[str, int]:
    """The word that ends at ``end`` (a space there), within its line, and where it
    starts; ``("", end)`` when no word ends there."""
    if end < 1 or text[end] != " ":
        return "", end
    low = max(0, end - 30)
    begin = max(text.rfind(" ", low, end), text.rfind("\n", low, end))
    if begin == -1 and low > 0:
        return "", end  # longer than any title
    return text[begin + 1 : end], begin + 1


def heads_name_reason(
    text: str, start: int, end: int, first_names: frozenset[str], places: frozenset[str]
) -> str:
    """Why a one-word place followed by a capitalised word is part of a longer name (""
    when it is the place): see the module's docstring for the classes of the word that
    follows. A first name after it starts a person's name, as in a list of seats and
    their candidates ("Gordon Colin Clark"): the seat stands; so does a place before
    another (``places``: one-word seats and places), in a list or a longer place name
    ("Calderdale Kirklees", "Highland Perthshire").

    The text is the title, a blank line and the body, as the tagger reads it: the title
    ends at the first blank line."""
    title_end = text.find("\n\n", 0, start)
    if title_end == -1:
        return ""
    match = _NEXT_WORD.match(text, end, end + 40)
    if match is None:
        return ""
    following = match.group(1)
    word = following.rstrip(".,;:")
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    word = word.rstrip("'’")  # "Stone Conservatives’ chairman"
    if (
        not word[:1].isupper()
        or word.isupper()  # an acronym: a party, "NHS", "MP"
        or word in NOT_SURNAMES
        or word in PLACE_PARTS
        or word in first_names
        or word in places
    ):
        return ""
    name = text[start:end]
    # The kind of the longer name is told by its last words: "Llanelli Grammar School",
    # "Saffron Walden Building Society", "Bedford Street".
    words = [word]
    while len(words) < _LONGEST and match is not None:
        match = _NEXT_WORD.match(text, match.end(), match.end() + 40)
        if match is None or not match.group(1)[:1].isupper():
            break
        words.append(match.group(1).rstrip(".,;:"))
    longer = " ".join(words)
    if not PLACE_PARTS.isdisjoint(words[1:]):
        # A civic body or party ends it: "Tunbridge Wells Borough Council", and a misspelt
        # "Aldridge Browhills Conservatives" is still the local party.
        return ""
    if not STREET_WORDS.isdisjoint(words):
        return f"a street named after the place ({name} {longer})"
    if not INSTITUTION_WORDS.isdisjoint(words):
        if named_alone(text, name, title_end):
            return ""
        return (
            f"an institution, venue or event named after it ({name} {longer}), "
            "the place not named on its own"
        )
    return (
        f"heads a longer name ({name} {longer}): a firm, brand, work, person or other named thing"
    )


def named_alone(text: str, name: str, title_end: int) -> bool:
    """Whether the article names the place on its own somewhere: not heading a longer
    capitalised name (in the body) and not part of a longer word."""
    size = len(name)
    at = text.find(name)
    while at != -1:
        after = at + size
        whole = (at == 0 or not text[at - 1].isalnum()) and (
            after == len(text) or not text[after].isalnum()
        )
        if whole:
            match = _NEXT_WORD.match(text, after, after + 40)
            following = match.group(1).rstrip(".,;:") if match else ""
            if at < title_end or not following[:1].isupper() or following in NOT_SURNAMES:
                return True
            if following in PLACE_PARTS:
                return True
        at = text.find(name, at + 1)
    return False
