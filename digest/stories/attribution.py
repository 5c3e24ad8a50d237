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

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
# A sentence whose subject is "he" or "she": at its start, or after an opening phrase
# ("Blackpool born and bred, he sets out ...").
_SUBJECT_PRONOUN = re.compile(r"^(?:[^,\"“‘']{1,60},\s+)?(He|She|he|she)\b")


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
    sentence: int  # the number of the sentence it stands in
    person: _Person | None  # None: an unnamed speaker ("one Tory source")


def quoted_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the quotations in ``sentence`` (double, curly or single quotes);
    a quotation left open runs to the sentence end."""
    if not _QUOTE_MARKS.intersection(sentence):
        return []
    return [(m.start(), m.end()) for m in _QUOTED.finditer(sentence) if m.end() > m.start() + 1]


_QUOTE_MARKS = frozenset("\"“‘'")
# Double and curly quotations; single ones only where a quote mark (not an apostrophe) opens
# and closes them. One left open runs to the sentence end.
_QUOTED = re.compile(
    r"\"[^\"]*(?:\"|$)|“[^”]*(?:”|$)"
    r"|(?:^|(?<=[\s(:—–-]))['‘](?=\w).*?(?:(?<=[\w.,!?])['’](?=[\s.,;:)!?]|$)(?!s\b)|$)"
)


def _outside(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    """``sentence`` with its quotations blanked (offsets kept)."""
    if not spans:
        return sentence
    pieces, last = [], 0
    for start, end in spans:
        pieces += [sentence[last:start], " " * (end - start)]
        last = end
    return "".join([*pieces, sentence[last:]])


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
    return _POSSESSIVE.sub("", word)


_POSSESSIVE = re.compile(r"['’]s?$")
_NAME_WORD = re.compile(_NAME)
_LOWER_WORD = re.compile(r"[a-z]+")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*")


def _read_people(sentences: Sequence[str]) -> tuple[_Register, dict[str, str]]:
    """Everyone named with a title anywhere in the article ("Ms Smith" makes Smith a woman)
    or introduced by a role word ("candidate Chris Webb"), with a first name where the text
    gives one ("Chloe Smith"); and the first name found before each capitalised word, for
    speakers registered later ("Philip Don" for "Don said")."""
    register = _Register()
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
        for run in _NAME_RUN.finditer(sentence):
            words = run.group(0).split()
            if len(words) < 2:
                continue
            before = sentence[max(0, run.start() - 20) : run.start()].split()[-1:]
            if before and before[0].strip(",").lower() in _ROLES:
                introduced.append(run.group(0))
            for first, surname in itertools.pairwise(words):
                if first not in _NOT_NAMES and first.lower() not in _TITLES:
                    firsts.setdefault(_bare(surname), first)
    for name in introduced:
        _register_speaker(register, name, firsts)
    for surname, person in list(register.people.items()):
        if " " not in person.full and surname in firsts:
            register.add(surname, firsts[surname])
    return register, firsts


def _register_speaker(register: _Register, name: str, firsts: dict[str, str]) -> None:
    """Add the person a name run stands for ("Merrill", "Labour leader Jeremy Corbyn")."""
    words = [w for w in name.split() if w not in _NOT_NAMES]
    surname = _bare(words[-1])
    first = words[-2] if len(words) > 1 and words[-2].lower() not in _TITLES else ""
    known = register.people.get(surname)
    if known is None or (first and " " not in known.full):
        register.add(surname, first or firsts.get(surname, ""))


@dataclass(frozen=True, slots=True)
class _Cue:
    """The speaker of one speech verb as the sentence gives it."""

    kind: str  # "pronoun", "name" (a person) or "phrase" ("the council", "one Tory source")
    words: str
    start: int  # offset of ``words`` in the sentence (of the verb for a phrase)


def _speaker_near(outside: str, verb: re.Match[str]) -> _Cue | None:
    """The speaker of ``verb``: the subject before it ("Ms Smith said", "Parry, speaking to
    the BBC, admits"), else the words after it ("said Ms Smith")."""
    before = outside[: verb.start()]
    pronoun = re.search(r"\b(he|she|they|it|He|She|They|It)((?:\s+[a-z]+)*)\s*,?\s*$", before)
    if pronoun and all(w in _AUXILIARIES for w in pronoun.group(2).split()):
        return _Cue("pronoun", pronoun.group(1), pronoun.start(1))
    after = re.match(r"\s*(he|she)\b", outside[verb.end() :])
    if after:
        return _Cue("pronoun", after.group(1), verb.end() + after.start(1))
    subject = _subject_segment(before)
    if subject is not None:
        start, end = subject
        head = _head_name(before[start:end], last=True)
        if head is not None:
            return _Cue("name", head[0], start + head[1])
        if before[start:end].strip():
            return _Cue("phrase", before[start:end].strip(), verb.start())
    tail = outside[verb.end() : verb.end() + 80]
    tail = tail[: m.start()] if (m := re.search(r"[.,;:]", tail)) else tail
    head = _head_name(tail, last=False)
    if head is not None:
        return _Cue("name", head[0], verb.end() + head[1])
    if tail.strip():
        return _Cue("phrase", tail.strip(), verb.start())
    return None


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


def attribute(sentences: Sequence[str]) -> list[Attribution]:
    """Each sentence of one article (in order) with what a summary may show of it."""
    attributor = Attributor(sentences)
    return [attributor[number] for number in range(len(sentences))]


class Attributor:
    """The attributions of one article's sentences, worked out in order as far as asked.

    A summary asks about a few sentences near the top: the sentences after the last one it
    asks about are never read for speakers (a sentence's speaker depends only on what came
    before it, and on the titles anywhere in the article).
    """

    def __init__(self, sentences: Sequence[str]) -> None:
        self.sentences = sentences
        self.register, self.firsts = _read_people(sentences)
        self.mentions: list[_Mention] = []
        self.results: list[Attribution] = []
        self.offset = 0
        self.speaking: _Person | None = None  # who spoke before, while speech goes on

    def __getitem__(self, number: int) -> Attribution:
        while len(self.results) <= number:
            self.results.append(self._next())
        return self.results[number]

    def _next(self) -> Attribution:
        number = len(self.results)
        sentence = self.sentences[number]
        spans, outside, cues = _read_sentence(sentence)
        for _, found in cues:
            if found is not None and found.kind == "name":
                _register_speaker(self.register, found.words, self.firsts)
        here = _Here(self.offset, number, outside)
        register, mentions = self.register, self.mentions
        _note_mentions(here, register, cues, mentions)
        self.offset += len(sentence) + 1
        cue = next((c for _, c in cues if c is not None), None)
        result = Attribution(sentence, True, False, None)
        if _needs_speaker(sentence, spans):
            if cue is None:
                # No cue: the speech goes on from the sentence before, if it was speech.
                if self.speaking is not None:
                    text = f"{self.speaking.full} said: {sentence}"
                    result = Attribution(text, True, True, self.speaking.full)
                else:
                    result = Attribution(sentence, False, True, None)
            else:
                result, self.speaking = _with_cue(sentence, cue, here, register, mentions)
        else:
            # A quoted phrase with its speaker named ("Ms Smith added: "In Norwich ...") may
            # open a speech that the next paragraphs go on with.
            self.speaking = _with_cue(sentence, cue, here, register, mentions)[1] if cue else None
            if opening := _SUBJECT_PRONOUN.match(sentence):
                result = _resolve_opening(sentence, opening, here, mentions)
        if cue is not None and cue.kind == "pronoun" and self.speaking is not None:
            # "she said" names her again: the next "she" is most likely her too.
            mentions.append(_Mention(here.offset + cue.start, number, self.speaking))
        return result


_Read = tuple[list[tuple[int, int]], str, list[tuple[re.Match[str], "_Cue | None"]]]


def _read_sentence(sentence: str) -> _Read:
    """A sentence's quotations, its text outside them, and each speech verb's speaker."""
    spans = quoted_spans(sentence)
    outside = _outside(sentence, spans)
    if _VERB_WORDS.isdisjoint(_LOWER_WORD.findall(outside.lower())):
        return spans, outside, []  # most sentences: no speech verb, no regular expression
    return spans, outside, [(v, _speaker_near(outside, v)) for v in _SPEECH.finditer(outside)]


def _person_of(cue: _Cue, register: _Register) -> _Person | None:
    if cue.kind != "name":
        return None
    return register.people.get(_bare(cue.words.split()[-1]))


def _with_cue(
    sentence: str, cue: _Cue, here: _Here, register: _Register, mentions: Sequence[_Mention]
) -> tuple[Attribution, _Person | None]:
    """A quoted sentence with a speech cue: as it is when it names the speaker, rewritten
    when a pronoun resolves to a name, unusable otherwise."""
    if cue.kind == "name":
        person = _person_of(cue, register)
        return Attribution(sentence, True, True, person.full if person else cue.words), person
    if cue.kind == "phrase":
        return Attribution(sentence, True, True, None), None
    end = cue.start + len(cue.words)
    person = _resolve(cue.words.lower(), here, end, mentions)
    if person is None:
        return Attribution(sentence, False, True, None), None
    rewritten = sentence[: cue.start] + person.full + sentence[end:]
    return Attribution(rewritten, True, True, person.full), person


@dataclass(frozen=True, slots=True)
class _Here:
    """Where a sentence stands: its offset and number in the article, its unquoted text."""

    offset: int
    number: int
    outside: str


# A pronoun reaches back this many sentences at most; further back, who it means is a guess.
PRONOUN_REACH = 3


def _resolve(pronoun: str, here: _Here, end: int, mentions: Sequence[_Mention]) -> _Person | None:
    """The nearest person mentioned before the pronoun ending at ``end`` whom it can mean;
    None when that is an unnamed speaker, nobody near enough, or someone the rest of the
    sentence names ("He said Mr Blair would ..." is not Mr Blair speaking)."""
    gender = _PRONOUN_GENDER.get(pronoun)
    if gender is None:
        return None
    position = here.offset + end - len(pronoun)
    for mention in sorted(mentions, key=lambda m: -m.position):
        if mention.position >= position:
            continue
        if mention.person is None or mention.sentence < here.number - PRONOUN_REACH:
            return None
        if mention.person.gender in ("", gender):
            if re.search(rf"\b{re.escape(mention.person.surname)}\b", here.outside[end:]):
                return None
            return mention.person
    return None


def _resolve_opening(
    sentence: str, opening: re.Match[str], here: _Here, mentions: Sequence[_Mention]
) -> Attribution:
    """A sentence whose subject is "He"/"She": the subject named, or unusable."""
    start, end = opening.span(1)
    person = _resolve(opening.group(1).lower(), here, end, mentions)
    if person is None:
        return Attribution(sentence, False, False, None)
    rewritten = sentence[:start] + person.full + sentence[end:]
    return Attribution(rewritten, True, False, person.full)


def _note_mentions(
    here: _Here,
    register: _Register,
    cues: Sequence[tuple[re.Match[str], _Cue | None]],
    mentions: list[_Mention],
) -> None:
    """Record where the article names a person outside quotations: a registered surname, a
    name as the speaker of a speech verb (a person even without a title), and an unnamed
    speaker ("a spokesperson said"), after whom a pronoun is nobody we can name."""
    people = register.people
    for word in _CAPITALISED.finditer(here.outside):
        person = people.get(_bare(word.group(0)))
        if person is not None:
            mentions.append(_Mention(here.offset + word.start(), here.number, person))
    # Only the sentence's own speaker: "Mr Howard said the police had said ..." names him.
    verb, cue = cues[0] if cues else (None, None)
    if verb is not None and cue is not None and cue.kind == "phrase":
        mentions.append(_Mention(here.offset + verb.start(), here.number, None))
