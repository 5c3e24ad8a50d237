"""The people an article names and the speaker each speech verb gives.

``read_people`` reads every person the article names with a title ("Ms Smith": a woman) or a
role word ("candidate Chris Webb"), with a first name where the text gives one;
``read_sentence`` finds a sentence's quotations and, for each speech verb outside them
("said", "told", "according to" ...), its speaker as the sentence writes it: a pronoun
("she said"), a name ("Ms Smith said", "said Chris Webb") or a phrase ("one Tory source
said"). Which person a pronoun means is decided in ``attribution``, which reads the
sentences in order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.stories.quotations import outside_quotes, quoted_spans

_VERBS = (
    "said|says|say|told|tells|added|adds|explained|explains|insisted|insists|claimed|claims|"
    "warned|warns|argued|argues|stated|states|wrote|writes|urged|urges|declared|declares|"
    "continued|continues|replied|replies|responded|responds|admitted|admits|commented|"
    "comments|revealed|reveals|noted|notes|tweeted|tweets|posted|posts|asked|asks|"
    "recalled|recalls|pointed out|points out|stressed|stresses|confirmed|confirms|"
    "accused|accuses|remarked|remarks|joked|jokes|acknowledged|acknowledges|conceded|concedes|"
    "described|describes|called|calls|branded|brands|labelled|dubbed|admitted|believes|hoped"
)
# First words of the speech verbs, to skip sentences with none cheaply.
_VERB_WORDS = frozenset(w.split()[0] for w in _VERBS.split("|")) | {"according"}


def _alternation(words: Sequence[str]) -> str:
    """A regular expression for any of ``words`` (letters and spaces) written as a tree of
    their letters, "s(?:aid|ay(?:s|))|t(?:old|...)|...": the engine tries alternatives one
    by one, and this way reads a letter once for all the words that share what precedes it.

    The order of the words is kept but does not matter where no word ending at a word
    boundary is the start of another.
    """
    rests: dict[str, list[str]] = {}
    for word in dict.fromkeys(words):
        rests.setdefault(word[:1], []).append(word[1:])
    branches = [first + _alternation(after) if first else "" for first, after in rests.items()]
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


_SPEECH = re.compile(rf"\b{_alternation([*_VERBS.split('|'), 'according to'])}\b")
_TITLES = {
    "mr": "m",
    "sir": "m",
    "lord": "m",
    "mrs": "f",
    "ms": "f",
    "miss": "f",
    "dame": "f",
    "lady": "f",
    "baroness": "f",
    "dr": "",
    "cllr": "",
    "councillor": "",
    "prof": "",
    "professor": "",
}
_NAME = r"[A-Z][\w’'-]*[a-z][\w’'-]*"


def _at_word_start(words: Sequence[str]) -> str:
    r"""``\b(?:words)`` for words opening with a word character, in a form the engine
    searches faster: an expression opening with ``\b`` is tried at every character of the
    text, one opening with letters only where they stand. Before a word character, ``\b``
    means no word character before it, which a lookbehind checks after the first letter.
    """
    return "|".join(f"{word[0]}(?<!\\w.){word[1:]}" for word in words)


_TITLE_WORDS = "Mr Mrs Ms Miss Dr Sir Dame Lord Lady Baroness Cllr Councillor Prof Professor"
_TITLED = re.compile(rf"({_at_word_start(_TITLE_WORDS.split())})\.?((?:\s+{_NAME})+)")
_NAME_RUN = re.compile(rf"{_NAME}(?:\s+{_NAME})*")
# The runs of two names or more: the same runs as ``_NAME_RUN``'s of more than one word (a
# run of one is all of a word, and no run starts inside it), without the single names.
_NAME_RUNS = re.compile(rf"{_NAME}(?:\s+{_NAME})+")


def _words(text: str) -> frozenset[str]:
    """A word list written as one string (lists of words read better that way)."""
    return frozenset(text.split())


# Words between a speaker and the speech verb that do not change who speaks ("she also said").
_AUXILIARIES = _words(
    "also later then previously earlier has had have is was were been having once already "
    "today yesterday alleged reportedly reported understood to is"
)
# Capitalised words that are not names: a run ending in one of these is no person.
_NOT_NAMES = _words(
    "The A An But And He She They It We I In On At MP MPs MSP Council Party Government"
)
# Capitalised words that are no name standing alone ("Friday said" is no speaker).
_CALENDAR = _words(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March "
    "April May June July August September October November December"
)
# A name straight after one of these is a person's ("candidate Chris Webb", "MP Jo Bloggs").
_ROLES = _words(
    "mp msp ms mla am mep candidate councillor cllr leader minister secretary chairman "
    "chairwoman chair spokesman spokeswoman spokesperson director mayor member president "
    "officer resident founder campaigner activist deputy headteacher manager owner "
    "inspector superintendent constable sergeant doctor professor judge chancellor chief "
    "executive commissioner agent organiser volunteer coach author"
)
# A run of capitalised words ending in one of these is an organisation, not a person.
_BODIES = _words(
    "Council Party Government Police Trust Service Services Commission Office Department "
    "Ministry Board Association Union Group Ltd Limited News Authority Agency Committee "
    "Court Club Company Centre Hospital School College University Network Campaign"
)


@dataclass(frozen=True, slots=True)
class Person:
    """A person the article names: the surname they are found by, the fullest name the text
    gives, and the gender a title tells."""

    surname: str
    full: str
    gender: str  # "m", "f" or "" (unknown)


class Register:
    """The people an article names: surname -> full name and gender."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}

    def add(self, surname: str, first: str = "", gender: str = "") -> Person:
        surname = bare(surname)
        known = self.people.get(surname)
        full = known.full if known else surname
        if first and (not known or " " not in known.full):
            full = f"{first} {surname}"
        person = Person(surname, full, gender or (known.gender if known else ""))
        self.people[surname] = person
        return person


def bare(word: str) -> str:
    """A name without its possessive ending."""
    if "'" not in word and "’" not in word:
        return word  # most names: no ending to look for
    return _POSSESSIVE.sub("", word)


_POSSESSIVE = re.compile(r"['’]s?$")
_LOWER_WORD = re.compile(r"[a-z]+")


def read_people(sentences: Sequence[str]) -> tuple[Register, dict[str, str]]:
    """Everyone named with a title anywhere in the article ("Ms Smith" makes Smith a woman)
    or introduced by a role word ("candidate Chris Webb"), with a first name where the text
    gives one ("Chloe Smith"); and the first name found before each capitalised word, for
    speakers registered later ("Philip Don" for "Don said")."""
    register = Register()
    for match in _TITLED.finditer(" ".join(sentences)):
        names = match.group(2).split()
        gender = _TITLES[match.group(1).lower()]
        first = names[0] if len(names) > 1 else ""
        register.add(names[-1], first, gender)
    # One pass over the runs of names: the word before each surname within a run is a first
    # name (never across sentences: a heading line before a sentence is no first name).
    firsts: dict[str, str] = {}
    introduced: list[str] = []
    for sentence in sentences:
        for run in _NAME_RUNS.finditer(sentence):
            words = run.group(0).split()
            before = sentence[max(0, run.start() - 20) : run.start()].split()[-1:]
            if before and before[0].strip(",").lower() in _ROLES:
                introduced.append(run.group(0))
            for first, surname in itertools.pairwise(words):
                if first not in _NOT_NAMES and first.lower() not in _TITLES:
                    firsts.setdefault(bare(surname), first)
    for name in introduced:
        register_speaker(register, name, firsts)
    for surname, person in list(register.people.items()):
        if " " not in person.full and surname in firsts:
            register.add(surname, firsts[surname])
    return register, firsts


def register_speaker(register: Register, name: str, firsts: dict[str, str]) -> None:
    """Add the person a name run stands for ("Merrill", "Labour leader Jeremy Corbyn")."""
    words = [w for w in name.split() if w not in _NOT_NAMES]
    surname = bare(words[-1])
    first = words[-2] if len(words) > 1 and words[-2].lower() not in _TITLES else ""
    known = register.people.get(surname)
    if known is None or (first and " " not in known.full):
        register.add(surname, first or firsts.get(surname, ""))


@dataclass(frozen=True, slots=True)
class Cue:
    """The speaker of one speech verb as the sentence gives it."""

    kind: str  # "pronoun", "name" (a person) or "phrase" ("the council", "one Tory source")
    words: str
    start: int  # offset of ``words`` in the sentence (of the verb for a phrase)


def _speaker_near(outside: str, verb: re.Match[str]) -> Cue | None:
    """The speaker of ``verb``: the subject before it ("Ms Smith said", "Parry, speaking to
    the BBC, admits"), else the words after it ("said Ms Smith")."""
    before = outside[: verb.start()]
    pronoun = _PRONOUN_BEFORE.search(before)
    if pronoun and all(w in _AUXILIARIES for w in pronoun.group(2).split()):
        return Cue("pronoun", pronoun.group(1), pronoun.start(1))
    after = _PRONOUN_AFTER.match(outside[verb.end() :])
    if after:
        return Cue("pronoun", after.group(1), verb.end() + after.start(1))
    subject = _subject_segment(before)
    if subject is not None:
        start, end = subject
        head = _head_name(before[start:end], last=True)
        if head is not None:
            return Cue("name", head[0], start + head[1])
        if before[start:end].strip():
            return Cue("phrase", before[start:end].strip(), verb.start())
    tail = outside[verb.end() : verb.end() + 80]
    tail = tail[: m.start()] if (m := _CLAUSE_END.search(tail)) else tail
    head = _head_name(tail, last=False)
    if head is not None:
        return Cue("name", head[0], verb.end() + head[1])
    if tail.strip():
        return Cue("phrase", tail.strip(), verb.start())
    return None


_PRONOUN_BEFORE = re.compile(r"\b(he|she|they|it|He|She|They|It)((?:\s+[a-z]+)*)\s*,?\s*$")
_PRONOUN_AFTER = re.compile(r"\s*(he|she)\b")
_CLAUSE_END = re.compile(r"[.,;:]")
_SEGMENT_BREAK = re.compile(r",|\s[-–—]\s|:")
# A segment opening with one of these is an aside ("who worked on the campaign"), not the
# speaker.
_ASIDES = _words("who which whose whom where speaking writing talking now aged")


def _subject_segment(before: str) -> tuple[int, int] | None:
    """The span of the words before a speech verb that name its speaker: the last segment
    (between commas or dashes) that is not an aside."""
    bounds = [0]
    for match in _SEGMENT_BREAK.finditer(before):
        bounds.extend((match.start(), match.end()))
    bounds.append(len(before))
    segments = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    for start, end in reversed(segments):
        words = before[start:end].split()
        if words and words[0] not in _ASIDES:
            return start, end
    return None


def _head_name(text: str, *, last: bool) -> tuple[str, int] | None:
    """A name heading ``text`` as a speaker: a run of capitalised words followed only by
    auxiliaries ("Thanou had"), not by a noun ("one Tory source")."""
    runs = list(_NAME_RUN.finditer(text))
    for run in reversed(runs) if last else runs:
        trailing = text[run.end() :].split() if last else []
        if all(w in _AUXILIARIES for w in trailing) and _is_person(run.group(0)):
            return run.group(0), run.start()
    return None


def _is_person(run: str) -> bool:
    """Whether a run of capitalised words heading a speech verb names a person (or a named
    body: "Ofcom said" attributes as well as "Ms Smith said"), not "The" or "Friday"."""
    words = [w for w in run.split() if w not in _NOT_NAMES and w.lower() not in _TITLES]
    if len(words) == 1 and words[0] in _CALENDAR:
        return False
    return bool(words) and words[-1] not in _BODIES


# A sentence's quotation spans, its text with them blanked, and each speech verb's speaker.
SentenceReading = tuple[list[tuple[int, int]], str, list[tuple[re.Match[str], Cue | None]]]


def read_sentence(sentence: str) -> SentenceReading:
    """A sentence's quotations, its text outside them, and each speech verb's speaker."""
    spans = quoted_spans(sentence)
    outside = outside_quotes(sentence, spans)
    if _VERB_WORDS.isdisjoint(_LOWER_WORD.findall(outside.lower())):
        return spans, outside, []  # most sentences: no speech verb, no regular expression
    return spans, outside, [(v, _speaker_near(outside, v)) for v in _SPEECH.finditer(outside)]
