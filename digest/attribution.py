"""Who said it: the speaker of each quotation in an article, so a summary never misattributes.

A summary joins sentences that stood apart in the article. A quoted sentence whose speaker was
named two sentences earlier ("'It's an honour to represent Norwich North,' she said.") reads,
after a lead about someone else, as if that someone said it. So each sentence is read here
for its direct speech and its speaker:

* a *speech cue*: a speech verb outside the quotation ("said", "told", "added", "according
  to" ...) with the speaker before it ("Ms Smith said:") or after it ("said Ms Smith");
* a *pronoun* speaker ("she said") is resolved to the nearest person mentioned before it
  whose gender (known from a title: Mr, Ms, Sir, Dame ...) does not contradict it; an unnamed
  speaker ("one Tory source said") counts as a mention too, so a later "he said" is not
  handed to a named person further back;
* a quotation with no cue at all continues the speech of the sentence before it (a speech
  running on over sentences and paragraphs).

``attribute`` returns, per sentence, whether it may stand in a summary and the text to use:
the sentence itself when it names its speaker, a rewrite ("she said" -> "Chloe Smith said",
or "Chloe Smith said: " put before a continued quotation) when the speaker is a resolved
name, and nothing (``usable`` False) when the speaker cannot be named. Sentences that open
with "He"/"She" are resolved the same way, so a summary does not start with a stranger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_VERBS = (
    "said|says|say|told|tells|added|adds|explained|explains|insisted|insists|claimed|claims|"
    "warned|warns|argued|argues|stated|states|wrote|writes|urged|urges|declared|declares|"
    "continued|continues|replied|replies|responded|responds|admitted|admits|commented|"
    "comments|revealed|reveals|noted|notes|tweeted|tweets|posted|posts|asked|asks|"
    "recalled|recalls|pointed out|points out|stressed|stresses|confirmed|confirms|"
    "accused|accuses|remarked|remarks|joked|jokes|acknowledged|acknowledges"
)
_SPEECH = re.compile(rf"\b(?:{_VERBS})\b|\baccording to\b")
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
_TITLED = re.compile(
    rf"\b(Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness|Cllr|Councillor|Prof|Professor)\.?"
    rf"((?:\s+{_NAME})+)"
)
_NAME_RUN = re.compile(rf"{_NAME}(?:\s+{_NAME})*")
_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f"}
_SUBJECT_PRONOUN = re.compile(r"^(He|She)\b")
# Words between a speaker and the speech verb that do not change who speaks ("she also said").
_ADVERBS = frozenset({"also", "later", "then", "previously", "earlier", "has", "had", "have"})
# Capitalised words that are not names: a run ending in one of these is no person.
_NOT_NAMES = frozenset(
    {
        "The",
        "A",
        "An",
        "But",
        "And",
        "He",
        "She",
        "They",
        "It",
        "We",
        "I",
        "In",
        "On",
        "At",
        "MP",
        "MPs",
        "MSP",
        "Council",
        "Party",
        "Government",
    }
)
# A run of capitalised words ending in one of these is an organisation, not a person.
_BODIES = frozenset(
    [
        "Council",
        "Party",
        "Government",
        "Police",
        "Trust",
        "Service",
        "Services",
        "Commission",
        "Office",
        "Department",
        "Ministry",
        "Board",
        "Association",
        "Union",
        "Group",
        "Ltd",
        "Limited",
        "News",
        "Authority",
        "Agency",
        "Committee",
        "Court",
        "Club",
        "Company",
        "Centre",
        "Hospital",
        "School",
        "College",
        "University",
        "Network",
        "Campaign",
    ]
)
# A quotation of fewer words is a phrase ("less safe", "bedroom tax") inside reported speech.
MIN_QUOTED_WORDS = 4
# Reported speech quoting a phrase: the sentence's own words carry it when they are at least
# this share of the sentence.
REPORTED_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class Attribution:
    """What one sentence may contribute to a summary."""

    text: str  # the sentence as a summary may show it (speaker named where it was a pronoun)
    usable: bool  # False: direct speech (or a "He ..." opening) whose speaker cannot be named
    quoted: bool  # the sentence carries direct speech that needs its speaker
    speaker: str | None  # the speaker's name as the article gives it, when known


@dataclass(frozen=True, slots=True)
class _Person:
    surname: str
    full: str
    gender: str  # "m", "f" or "" (unknown)


@dataclass(frozen=True, slots=True)
class _Mention:
    position: int  # character offset in the joined article
    person: _Person | None  # None: an unnamed speaker ("one Tory source")


def quoted_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the quotations in ``sentence`` (double, curly or single quotes);
    a quotation left open runs to the sentence end."""
    spans: list[tuple[int, int]] = []
    pattern = re.compile(
        r"\"[^\"]*(?:\"|$)|“[^”]*(?:”|$)|(?:^|(?<=[\s(:—–-]))['‘](?=\w).*?(?:(?<=[\w.,!?])['’](?=[\s.,;:)!?]|$)(?!s\b)|$)"
    )
    for match in pattern.finditer(sentence):
        if match.end() > match.start() + 1:
            spans.append((match.start(), match.end()))
    return spans


def _outside(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    """``sentence`` with its quotations blanked (offsets kept)."""
    chars = list(sentence)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def _needs_speaker(sentence: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Direct speech: a quotation long enough to be someone's words, not a quoted phrase
    inside a sentence that reports it."""
    quoted = sum(len(sentence[s:e].split()) for s, e in spans)
    if quoted < MIN_QUOTED_WORDS:
        return False
    total = len(sentence.split()) or 1
    return (total - quoted) / total < REPORTED_SHARE


class _Register:
    """The people an article names: surname -> full name and gender."""

    def __init__(self) -> None:
        self.people: dict[str, _Person] = {}

    def add(self, surname: str, first: str = "", gender: str = "") -> _Person:
        surname = _bare(surname)
        known = self.people.get(surname)
        full = known.full if known else surname
        if first and (not known or " " not in known.full):
            full = f"{first} {surname}"
        person = _Person(surname, full, gender or (known.gender if known else ""))
        self.people[surname] = person
        return person


def _bare(word: str) -> str:
    """A name without its possessive ending."""
    return re.sub(r"['’]s?$", "", word)


def _first_name_before(text: str, start: int) -> str:
    """The capitalised word just before ``start`` when it reads as a first name."""
    words = text[:start].split()
    if not words or words[-1] in _NOT_NAMES or words[-1].lower() in _TITLES:
        return ""
    return words[-1] if re.fullmatch(_NAME, words[-1]) else ""


def _read_people(text: str) -> _Register:
    """Everyone named with a title anywhere in ``text`` ("Ms Smith" makes Smith a woman),
    with a first name where the text gives one ("Chloe Smith")."""
    register = _Register()
    for match in _TITLED.finditer(text):
        names = match.group(2).split()
        gender = _TITLES[match.group(1).lower()]
        first = names[0] if len(names) > 1 else ""
        register.add(names[-1], first, gender)
    for surname in list(register.people):
        for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
            first = _first_name_before(text, match.start())
            if first:
                register.add(surname, first)
                break
    return register


@dataclass(frozen=True, slots=True)
class _Cue:
    """The speaker of one speech verb as the sentence gives it."""

    kind: str  # "pronoun", "name" (a person) or "phrase" ("the council", "one Tory source")
    words: str
    start: int  # offset of ``words`` in the sentence (of the verb for a phrase)


def _speaker_near(outside: str, verb: re.Match[str], register: _Register) -> _Cue | None:
    """The speaker of ``verb``: the words before it ("Ms Smith said"), else after it ("said
    Ms Smith"); a name counts as a person when it has two words or a titled surname."""
    before = outside[: verb.start()]
    pronoun = re.search(r"\b(he|she|they|it|He|She|They|It)((?:\s+\w+)?)\s*,?\s*$", before)
    if pronoun and (not pronoun.group(2).strip() or pronoun.group(2).strip() in _ADVERBS):
        return _Cue("pronoun", pronoun.group(1), pronoun.start(1))
    after = re.match(r"\s*(he|she)\b", outside[verb.end() :])
    if after:
        return _Cue("pronoun", after.group(1), verb.end() + after.start(1))
    clause_end = before.find(",")
    clause = before[:clause_end] if clause_end >= 0 else before
    for text, base, last in (
        (clause, 0, True),
        (outside[verb.end() : verb.end() + 80], verb.end(), False),
    ):
        runs = [r for r in _NAME_RUN.finditer(text) if _is_person(r.group(0), register)]
        if runs:
            run = runs[-1] if last else runs[0]
            return _Cue("name", run.group(0), base + run.start())
    if before.strip(" ,:") or outside[verb.end() :].strip(" .,:"):
        return _Cue("phrase", before.strip(), verb.start())
    return None


def _is_person(run: str, register: _Register) -> bool:
    """Whether a run of capitalised words names a person: a titled surname of this article,
    or a first name and surname."""
    words = [w for w in run.split() if w not in _NOT_NAMES and w.lower() not in _TITLES]
    if not words or words[-1] in _BODIES:
        return False
    return _bare(words[-1]) in register.people or len(words) >= 2


def attribute(sentences: Sequence[str]) -> list[Attribution]:
    """Each sentence of one article (in order) with what a summary may show of it."""
    register = _read_people(" ".join(sentences))
    mentions: list[_Mention] = []
    results: list[Attribution] = []
    offset = 0
    speaking: _Person | None = None  # who spoke in the sentence before, while speech goes on
    for sentence in sentences:
        spans = quoted_spans(sentence)
        outside = _outside(sentence, spans)
        cues = [(v, _speaker_near(outside, v, register)) for v in _SPEECH.finditer(outside)]
        _note_mentions(outside, offset, register, cues, mentions)
        cue = next((c for _, c in cues if c is not None), None)
        result = Attribution(sentence, True, False, None)
        if _needs_speaker(sentence, spans):
            if cue is None:
                # No cue: the speech goes on from the sentence before, if it was speech.
                if speaking is not None:
                    text = f"{speaking.full} said: {sentence}"
                    result = Attribution(text, True, True, speaking.full)
                else:
                    result = Attribution(sentence, False, True, None)
            else:
                result, speaking = _with_cue(sentence, cue, offset, register, mentions)
        else:
            # A quoted phrase with its speaker named ("Ms Smith added: "In Norwich ...") may
            # open a speech that the next paragraphs go on with.
            speaking = _with_cue(sentence, cue, offset, register, mentions)[1] if cue else None
            if _SUBJECT_PRONOUN.match(sentence):
                result = _resolve_opening(sentence, offset, mentions)
        results.append(result)
        offset += len(sentence) + 1
    return results


def _person_of(cue: _Cue, register: _Register) -> _Person | None:
    if cue.kind != "name":
        return None
    return register.people.get(_bare(cue.words.split()[-1]))


def _with_cue(
    sentence: str, cue: _Cue, offset: int, register: _Register, mentions: Sequence[_Mention]
) -> tuple[Attribution, _Person | None]:
    """A quoted sentence with a speech cue: as it is when it names the speaker, rewritten
    when a pronoun resolves to a name, unusable otherwise."""
    if cue.kind == "name":
        person = _person_of(cue, register)
        return Attribution(sentence, True, True, person.full if person else cue.words), person
    if cue.kind == "phrase":
        return Attribution(sentence, True, True, None), None
    person = _resolve(cue.words.lower(), offset + cue.start, mentions)
    if person is None:
        return Attribution(sentence, False, True, None), None
    end = cue.start + len(cue.words)
    rewritten = sentence[: cue.start] + person.full + sentence[end:]
    return Attribution(rewritten, True, True, person.full), person


def _resolve(pronoun: str, position: int, mentions: Sequence[_Mention]) -> _Person | None:
    """The nearest mention before ``position`` a pronoun can refer to; None when that is an
    unnamed speaker or nobody."""
    gender = _PRONOUN_GENDER.get(pronoun)
    if gender is None:
        return None
    for mention in sorted(mentions, key=lambda m: -m.position):
        if mention.position >= position:
            continue
        if mention.person is None:
            return None
        if mention.person.gender in ("", gender):
            return mention.person
    return None


def _resolve_opening(sentence: str, offset: int, mentions: Sequence[_Mention]) -> Attribution:
    """A sentence opening "He ..."/"She ...": its subject named, or unusable."""
    pronoun = sentence.split()[0]
    person = _resolve(pronoun.lower(), offset, mentions)
    if person is None:
        return Attribution(sentence, False, False, None)
    return Attribution(person.full + sentence[len(pronoun) :], True, False, person.full)


def _note_mentions(
    outside: str,
    offset: int,
    register: _Register,
    cues: Sequence[tuple[re.Match[str], _Cue | None]],
    mentions: list[_Mention],
) -> None:
    """Record where the article names a person outside quotations: a registered surname, a
    name as the speaker of a speech verb (a person even without a title), and an unnamed
    speaker ("a spokesperson said"), after whom a pronoun is nobody we can name."""
    for run in _NAME_RUN.finditer(outside):
        for word in re.finditer(_NAME, run.group(0)):
            person = register.people.get(_bare(word.group(0)))
            if person is not None:
                mentions.append(_Mention(offset + run.start() + word.start(), person))
                break
    for verb, cue in cues:
        if cue is None or cue.kind == "pronoun":
            continue
        if cue.kind == "phrase":
            mentions.append(_Mention(offset + verb.start(), None))
            continue
        words = [w for w in cue.words.split() if w not in _NOT_NAMES]
        surname = _bare(words[-1])
        if surname not in register.people:
            first = words[-2] if len(words) > 1 and words[-2].lower() not in _TITLES else ""
            person = register.add(surname, first)
            mentions.append(_Mention(offset + cue.start, person))
