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

Where the quotations are (``quotations``) and who each speech verb's sentence names
(``speakers``) are read by the sibling modules; this one follows the article in order and
decides whom each pronoun and each continued quotation belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.stories.quotations import needs_speaker
from digest.stories.speakers import (
    Cue,
    Person,
    Register,
    bare,
    read_people,
    read_sentence,
    register_speaker,
)

_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f"}
# A sentence whose subject is "he" or "she": at its start, or after an opening phrase
# ("Blackpool born and bred, he sets out ...").
_SUBJECT_PRONOUN = re.compile(r"^(?:[^,\"“‘']{1,60},\s+)?(He|She|he|she)\b")
# A capitalised word: ``\b[A-Z][\w’'-]*``, its ``\b`` checked after the capital (no word
# character before it), so that the engine tries only where a capital stands.
_CAPITALISED = re.compile(r"[A-Z](?<!\w.)[\w’'-]*")


@dataclass(frozen=True, slots=True)
class Attribution:
    """What one sentence may contribute to a summary."""

    text: str  # the sentence as a summary may show it (speaker named where it was a pronoun)
    usable: bool  # False: direct speech (or a "He ..." opening) whose speaker cannot be named
    quoted: bool  # the sentence carries direct speech that needs its speaker
    speaker: str | None  # the speaker's name as the article gives it, when known


@dataclass(frozen=True, slots=True)
class _Mention:
    position: int  # character offset in the joined article
    sentence: int  # the number of the sentence it stands in
    person: Person | None  # None: an unnamed speaker ("one Tory source")


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
        # The people named anywhere in the article, read when a first sentence is asked
        # about: a story's summary often asks nothing of its later reports.
        self._people: tuple[Register, dict[str, str]] | None = None
        self.mentions: list[_Mention] = []
        self.results: list[Attribution] = []
        self.offset = 0
        self.speaking: Person | None = None  # who spoke before, while speech goes on

    def __getitem__(self, number: int) -> Attribution:
        while len(self.results) <= number:
            self.results.append(self._next())
        return self.results[number]

    def _next(self) -> Attribution:
        if self._people is None:
            self._people = read_people(self.sentences)
        register, firsts = self._people
        number = len(self.results)
        sentence = self.sentences[number]
        spans, outside, cues = read_sentence(sentence)
        for _, found in cues:
            if found is not None and found.kind == "name":
                register_speaker(register, found.words, firsts)
        here = _Here(self.offset, number, outside)
        mentions = self.mentions
        _note_mentions(here, register, cues, mentions)
        self.offset += len(sentence) + 1
        cue = next((c for _, c in cues if c is not None), None)
        result = Attribution(sentence, True, False, None)
        if needs_speaker(sentence, spans):
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


def _person_of(cue: Cue, register: Register) -> Person | None:
    if cue.kind != "name":
        return None
    return register.people.get(bare(cue.words.split()[-1]))


def _with_cue(
    sentence: str, cue: Cue, here: _Here, register: Register, mentions: Sequence[_Mention]
) -> tuple[Attribution, Person | None]:
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


def _resolve(pronoun: str, here: _Here, end: int, mentions: Sequence[_Mention]) -> Person | None:
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
    register: Register,
    cues: Sequence[tuple[re.Match[str], Cue | None]],
    mentions: list[_Mention],
) -> None:
    """Record where the article names a person outside quotations: a registered surname, a
    name as the speaker of a speech verb (a person even without a title), and an unnamed
    speaker ("a spokesperson said"), after whom a pronoun is nobody we can name."""
    people = register.people
    for word in _CAPITALISED.finditer(here.outside) if people else ():
        person = people.get(bare(word.group(0)))
        if person is not None:
            mentions.append(_Mention(here.offset + word.start(), here.number, person))
    # Only the sentence's own speaker: "Mr Howard said the police had said ..." names him.
    verb, cue = cues[0] if cues else (None, None)
    if verb is not None and cue is not None and cue.kind == "phrase":
        mentions.append(_Mention(here.offset + verb.start(), here.number, None))
