"""Whether one matched name is evidence at all, judged from where it stands and what is next to it.

The automaton finds every written form of a seat, place or person; many of those matches are
not about the place or the person. This module holds the rules that look at the text around a
match, each one for a class of use rather than a list of names:

* where it stands: a byline, a photo credit ("[Jane Doe/BBC]"), a caption label, a "Read
  more" or "Most Read" line is page furniture, not the story;
* what follows: a sports club ("Ipswich Town", "Tottenham Hotspur v ..."), a newspaper
  ("Shropshire Star"), a foreign state or country ("Derby, Connecticut");
* what precedes or follows a person's name: a first name before a place ("John Burton") or a
  longer name around an MP's ("Colin James Clark"); the title "MP", a ministry or a quote
  that shows it is the MP who is meant.

Every rule returns a short reason (shown by ``digest tag``) or ``""`` when the match stands.
"""

from __future__ import annotations

import re

# Words that make "<place> <word>" a club rather than the place. "Town", "City" and "County"
# name clubs only when no civic word follows ("Ipswich Town Council", "Hull City Hall").
_CLUB_WORDS = frozenset(
    [
        "Hotspur",
        "United",
        "Rovers",
        "Wanderers",
        "Athletic",
        "Albion",
        "Argyle",
        "Orient",
        "Villa",
        "Rangers",
        "Celtic",
        "Thistle",
        "Academical",
        "Harriers",
        "FC",
        "AFC",
        "RFC",
        "Town",
        "City",
        "County",
    ]
)
_CLUB_CIVIC = frozenset(
    [
        "council",
        "hall",
        "centre",
        "center",
        "square",
        "station",
        "library",
        "museum",
        "hospital",
        "deal",
        "region",
        "councillor",
        "councillors",
        "mayor",
        "park",
        "road",
        "street",
        "line",
        "hub",
        "bus",
        "airport",
        "lane",
        "police",
        "region",
        "and",
        "of",
        "status",
        "boundary",
        "boundaries",
        "ward",
        "wards",
        "limits",
    ]
)
# Unambiguous club words: never part of a place or civic name.
_CLUB_ONLY = frozenset(
    ["Hotspur", "Rovers", "Wanderers", "Athletic", "Albion", "Argyle", "Orient", "FC", "AFC", "RFC"]
)
_NEWSPAPER_WORDS = frozenset(
    [
        "Star",
        "Times",
        "News",
        "Gazette",
        "Echo",
        "Post",
        "Advertiser",
        "Mercury",
        "Herald",
        "Chronicle",
        "Journal",
        "Telegraph",
        "Argus",
        "Observer",
        "Standard",
        "Express",
        "Evening",
        "Guardian",
        "Independent",
        "Press",
        "Live",
        "Today",
        "Courier",
        "Sentinel",
        "Examiner",
        "Reporter",
        "Recorder",
        "Bulletin",
        "Piper",
        "Voice",
        "Leader",
        "Citizen",
        "Sun",
    ]
)
# Places abroad that share names with UK places, written "<place>, <state or country>".
_ABROAD = frozenset(
    [
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Georgia",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "Wisconsin",
        "Wyoming",
        "Australia",
        "Canada",
        "Ontario",
        "Quebec",
        "Tasmania",
        "Victoria",
        "Queensland",
        "USA",
        "US",
        "America",
        "Jamaica",
        "Ireland",
        "Zealand",
        "Africa",
    ]
) | frozenset(
    (
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New York",
        "New South Wales",
        "North Carolina",
        "North Dakota",
        "South Carolina",
        "South Dakota",
        "Rhode Island",
        "West Virginia",
        "Western Australia",
        "South Australia",
        "New Zealand",
        "South Africa",
        "Nova Scotia",
        "British Columbia",
    )
)
_ABROAD_AFTER = re.compile(r",\s+((?:[A-Z][a-z]+ ){0,2}[A-Z][a-zA-Z]+)")
_MONTHS = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)

# Lines that are page furniture, wherever a name stands in them.
_FURNITURE_LINE = re.compile(
    r"^\W*(read more|more on this|see also|related|most read|most popular|you may also like|"
    r"recommended|trending|top stories|follow us|sign up|listen|watch|image caption|"
    r"image source|image copyright|picture:|photo:|credit:|copyright|by [A-Z][\w'’-]+ [A-Z])"
    r"|\b(image|picture|photo)s? (source|caption|credit|copyright)",
    re.IGNORECASE,
)
# A credit in brackets anywhere in a line: "(Jane Doe/PA)", "[Jane Doe/BBC]".
_CREDIT = re.compile(r"[\[(][^\])\n]{2,60}/[^\])\n]{2,30}[\])]")

# Words around a name that say the person is a Member of Parliament acting as one.
_MP_TITLE = re.compile(
    r"\bMPs?\b|Member of Parliament|\bminister\b|\bsecretary\b|\bwhip\b|\bCommons\b|"
    r"\bParliament\b|\bWestminster\b|\bconstituen",
    re.IGNORECASE,
)
_PERSON_WORDS = re.compile(
    r"\bMPs?\b|Member of Parliament|\bminister\b|\bsecretary\b|\bwhip\b|\bCommons\b|"
    r"\bParliament\b|\bWestminster\b|\bconstituen|\bcandidate|\bLabour\b|\bConservative|"
    r"\bTory\b|\bTories\b|Lib Dem|Liberal Democrat|\bSNP\b|\bPlaid\b|\bGreen Party|"
    r"\bReform UK\b|\bDUP\b|\bSinn F|\bSDLP\b|\bUKIP\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(
    r"\b(said|says|told|added|explained|wrote|tweeted|posted|announced|confirmed|urged|warned|"
    r"called|insisted|argued|claimed)\b"
)
_GIVEN_PREFIX = frozenset(
    ["Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Dame", "Lord", "Lady", "Cllr", "Councillor"]
)


def line_bounds(text: str, start: int) -> tuple[int, int]:
    """The start and end of the line (paragraph) holding offset ``start``."""
    begin = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    return begin, len(text) if end == -1 else end


class FurnitureLines:
    """Which lines of one article are page furniture, worked out once per line.

    The title is never furniture. In the body a name inside a photo credit in brackets, or
    on a line that opens as a byline, a "Read more"/related link or a caption label, tells
    nothing about what the story is about. Lines are judged only when a name stands in them,
    and each once (an article of one long paragraph would otherwise be scanned per name).
    """

    def __init__(self, text: str, title_end: int) -> None:
        self._text = text
        self._title_end = title_end
        # line start -> (whole line is furniture, credit spans in the text)
        self._lines: dict[int, tuple[bool, tuple[tuple[int, int], ...]]] = {}

    def reason(self, start: int) -> str:
        """Why the name at ``start`` stands in furniture ("" when it does not)."""
        if start < self._title_end:
            return ""
        text = self._text
        begin = text.rfind("\n", 0, start) + 1
        verdict = self._lines.get(begin)
        if verdict is None:
            finish = text.find("\n", start)
            finish = len(text) if finish == -1 else finish
            head = text[begin : min(finish, begin + 80)]
            whole = bool(_FURNITURE_LINE.search(head))
            credits = tuple(m.span() for m in _CREDIT.finditer(text, begin, finish))
            verdict = self._lines[begin] = (whole, credits)
        whole, credits = verdict
        if any(low <= start < high for low, high in credits):
            return "in a photo credit"
        if whole:
            return "on a furniture line (byline, caption, credit or related links)"
        return ""


_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][\w'’.]*)")
_FIXTURE_AFTER = re.compile(r"\s+(v|vs\.?)\s+[A-Z]")
_FIXTURE_BEFORE = re.compile(r"[A-Za-z]\s+(v|vs\.?)\s+$")
_POSSESSIVE = re.compile(r"['’]s$")


def _next_word(text: str, end: int) -> str:
    if end >= len(text) or text[end] not in " \t":
        return ""
    match = _NEXT_WORD.match(text, end, end + 40)
    return match.group(1) if match else ""


def _previous_word(text: str, start: int) -> str:
    if start < 2 or text[start - 1] != " " or not text[start - 2].isalpha():
        return ""
    begin = max(text.rfind(" ", 0, start - 1), text.rfind("\n", 0, start - 1)) + 1
    word = text[begin : start - 1]
    return word if word[:1].isalpha() else ""


def club_or_outlet_reason(text: str, end: int) -> str:
    """Why "<name> <word>" is a sports club or a newspaper, not the place ("" otherwise)."""
    following = _next_word(text, end)
    if not following:
        return ""
    if following in _CLUB_ONLY:
        return f"a sports club ({following})"
    if following in _CLUB_WORDS:
        after = _next_word(text, end + 1 + len(following))
        if _POSSESSIVE.sub("", after.lower().rstrip(".,")) not in _CLUB_CIVIC:
            return f"a sports club ({following})"
    if following in ("league", "union") or following.lower() == "fc":
        return f"a sport ({following})"
    if following in _NEWSPAPER_WORDS:
        return f"a newspaper or outlet name ({following})"
    if following[0] == "v" and _FIXTURE_AFTER.match(text, end, end + 12):
        return "a sports fixture (X v Y)"
    return ""


def after_fixture_reason(text: str, start: int) -> str:
    """Why a name after "v" in "X v Y" is a team ("" otherwise)."""
    if "v" in text[max(0, start - 5) : start] and _FIXTURE_BEFORE.search(
        text, max(0, start - 8), start
    ):
        return "a sports fixture (X v Y)"
    return ""


def abroad_reason(text: str, end: int) -> str:
    """Why "<place>, <US state or country>" is a place abroad ("" otherwise)."""
    if end >= len(text) or text[end] != ",":
        return ""
    match = _ABROAD_AFTER.match(text, end)
    if match and match.group(1) in _ABROAD:
        return f"a place abroad ({match.group(1)})"
    return ""


def is_month(name: str) -> bool:
    """Whether a name is also a month ("March", "May")."""
    return name in _MONTHS


def longer_proper_name_reason(text: str, start: int, end: int) -> str:
    """Why a word-like place (a first name, a common word) starting or ending a longer
    capitalised name is part of it: "Paul Flynn", "River Swale", "Old Trafford"."""
    following = _next_word(text, end)
    if following[:1].isupper() and following.rstrip(".,") not in _NOT_SURNAMES:
        return f"part of a longer name (before {following!r})"
    return ""


def water_reason(text: str, start: int) -> str:
    """Why a name after "River", "Loch" or "Lake" is the water, not the place."""
    if _previous_word(text, start).lower() in ("river", "loch", "lake", "afon"):
        return "a river or lake of the same name"
    return ""


def surname_reason(text: str, start: int, first_names: frozenset[str]) -> str:
    """Why a name right after a first name or a title is a surname ("John Burton")."""
    before = _previous_word(text, start)
    if before in first_names or before in _GIVEN_PREFIX:
        return f"a surname (after {before!r})"
    return ""


def longer_name_reason(text: str, start: int, end: int, first_names: frozenset[str]) -> str:
    """Why an MP's name inside a longer personal name is someone else ("Colin James Clark")."""
    before = _previous_word(text, start)
    if before in first_names:
        return f"part of a longer name (after {before!r})"
    following = _next_word(text, end)
    if (
        following[:1].isupper()
        and following.rstrip(".,'’s") not in _NOT_SURNAMES
        and (not following.endswith(("'s", "’s")))
    ):
        return f"part of a longer name (before {following!r})"
    return ""


# Capitalised words that may follow a person's name without making it longer.
_NOT_SURNAMES = frozenset(
    [
        "MP",
        "MPs",
        "MSP",
        "MS",
        "MLA",
        "AM",
        "MEP",
        "OBE",
        "MBE",
        "CBE",
        "KC",
        "QC",
        "PM",
        "Labour",
        "Conservative",
        "Tory",
        "Lib",
        "SNP",
        "Green",
        "Reform",
        "Plaid",
        "And",
        "But",
        "The",
        "In",
        "On",
        "At",
        "As",
        "For",
        "Has",
        "Had",
        "Is",
        "Was",
        "Will",
    ]
)


def window(text: str, start: int, end: int, reach: int = 80) -> str:
    """The text around a match, within its line."""
    begin, finish = line_bounds(text, start)
    return text[max(begin, start - reach) : min(finish, end + reach)]


def has_seat_context(text: str, start: int, end: int) -> bool:
    """Whether the words around a name say it is the constituency (MP, seat, by-election)."""
    near = window(text, start, end, 50)
    return bool(_MP_TITLE.search(near) or _SEAT_WORDS.search(near))


_SEAT_WORDS = re.compile(r"(seat|by-election|constituency|constituencies)", re.IGNORECASE)


def has_mp_context(text: str, start: int, end: int) -> bool:
    """Whether the words around a person's name say they are an MP or candidate ("MP", a
    ministry, a party, "candidate")."""
    return bool(_PERSON_WORDS.search(window(text, start, end)))


def is_quoted(text: str, start: int, end: int) -> bool:
    """Whether the person is quoted or acts in the sentence that names them."""
    return bool(_QUOTED.search(window(text, start, end, 60)))
