"""Values mined from the user's prompt, for filling tool arguments and schemas.

A stand-in "model" answers by pattern, not understanding: numbers in the prompt
feed integer fields in order (``magic_function(3)`` -> 3, ``1 + 2`` -> 1, 2),
quoted strings feed name-like fields verbatim (so unicode survives),
capitalised phrases feed places and styles ("San Francisco, CA", "Pirate"), and
``about <topic>`` picks a joke. Each hint is handed out once.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w)")
_QUOTED = re.compile(
    r"(?<!\w)'([^'\n]+)'(?!\w)"
    r'|"([^"\n]+)"'
    r"|\u201c([^\u201d\n]+)\u201d"
    r"|\u2018([^\u2019\n]+)\u2019"
    r"|`([^`\n]+)`"
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'-]*(?:(?:,\s*|\s+)[A-Z][\w'-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n)$")
_TOPIC = re.compile(r"\babout (?:an? |the |some )?([^.,!?;:\n]+)", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)

_STOPWORD_TEXT = """
a about an and any are as at be but by can could did do does for from give have how i in
into is it its me my no not of on or please return result say should so tell that
the their them then there these this to use using was what when where which who why
will with would you your json only nothing other keys key value values tool tools
function describe explain extract list give write create generate show read summarize
summarise identify find provide answer make get concise brief short this
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_NOT_NAMES = frozenset({"I", "JSON", "OK", "API", "URL", "Return", "Please"})

_JOKES = {
    "cat": (
        "Why was the cat sitting on the computer?",
        "To keep an eye on the mouse!",
    ),
    "dog": (
        "Why did the dog sit in the shade?",
        "Because it didn't want to be a hot dog!",
    ),
    "programmer": (
        "Why do programmers prefer dark mode?",
        "Because light attracts bugs!",
    ),
}
_GENERIC_WORDS = ("diagram", "label", "arrow", "text", "box", "chart", "icon")


class Hints:
    """Hints from one prompt, consumed in order."""

    def __init__(
        self,
        text: str,
        rng: random.Random,
        *,
        image_sentence: str | None = None,
        image_sentences: tuple[str, ...] = (),
        used: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.text = text
        self.rng = rng
        self.image_sentence = image_sentence
        self.image_sentences = image_sentences
        """One sentence per image of a several-image prompt, in order."""
        self._image_sentence_given = False
        self.topic = topic_of(text)
        self._numbers = deque(numbers_in(text))
        self._quoted = deque(q for q in quoted_in(text) if q not in used)
        self._phrases = deque(capitalised_phrases(text))
        words = salient_words(text)
        if image_sentence:
            # an image prompt's own words ("chart", "image") make poor labels
            words = [*rng.sample(_GENERIC_WORDS, len(_GENERIC_WORDS)), *words]
        self._words = deque(words)

    def next_number(
        self, low: float | None = None, high: float | None = None
    ) -> float | None:
        """The next number in the prompt within [low, high], or None."""
        while self._numbers:
            value = self._numbers.popleft()
            if (low is None or value >= low) and (high is None or value <= high):
                return value
        return None

    def next_quoted(self) -> str | None:
        """The next quoted string in the prompt."""
        return self._quoted.popleft() if self._quoted else None

    def next_phrase(self) -> str | None:
        """The next capitalised phrase (a name, a place, a style)."""
        return self._phrases.popleft() if self._phrases else None

    def next_word(self) -> str:
        """A salient word from the prompt, else a generic noun."""
        if self._words:
            return self._words.popleft()
        return self.rng.choice(_GENERIC_WORDS)

    def sentence(self, field: str = "") -> str:
        """A descriptive sentence: the image, the clause after " - ", the ask.

        An image's sentence is given once; later descriptive fields of the
        same answer say that the stand-in has nothing more for them.
        """
        if self.image_sentence:
            if self._image_sentence_given:
                what = field.replace("_", " ") or "field"
                return f"[scripted] No {what} beyond the sentence above."
            self._image_sentence_given = True
            return self.image_sentence
        if " - " in self.text:
            return self.text.split(" - ", 1)[1].strip()
        first = re.split(r"(?<=[.!?])\s", self.text.strip(), maxsplit=1)[0]
        return first or "A short description."

    @contextmanager
    def about_image(self, number: int) -> Iterator[None]:
        """Within the block, descriptive fields speak of image ``number`` (1-based)."""
        saved = self.image_sentence, self._image_sentence_given
        self.image_sentence = self.image_sentences[number - 1]
        self._image_sentence_given = False
        try:
            yield
        finally:
            self.image_sentence, self._image_sentence_given = saved

    def asks_a_question(self) -> bool:
        """Whether the prompt carries a question to answer."""
        return "?" in self.text or "answer this question" in self.text.lower()

    def mentions(self, name: str) -> bool:
        """Whether the prompt names a field (``user_name`` ~ "user name")."""
        words = name.replace("_", " ").strip().lower()
        return bool(words) and words in self.text.lower()

    def excludes(self, name: str) -> bool:
        """Whether the prompt asks to leave a field out ("no punchline")."""
        words = re.escape(name.replace("_", " ").strip())
        pattern = rf"\b(?:no|without(?: an?| the)?) {words}\b"
        return bool(re.search(pattern, self.text, re.IGNORECASE))

    def joke(self) -> tuple[str, str]:
        """A (setup, punchline) pair about the prompt's topic."""
        return joke_about(self.topic)


def numbers_in(text: str) -> list[float]:
    """Numbers in reading order (identifiers like ``llama3`` are skipped)."""
    return [float(m) for m in _NUMBER.findall(text)]


def quoted_in(text: str) -> list[str]:
    """Strings in quotes, in reading order."""
    return [next(g for g in groups if g) for groups in _QUOTED.findall(text)]


def capitalised_phrases(text: str) -> list[str]:
    """Runs of capitalised words, minus sentence-initial words and acronyms."""
    phrases = []
    for match in _CAPITALISED.finditer(text):
        words = match.group(0)
        if _SENTENCE_START.search(text[: match.start()]):
            words = re.sub(r"^\S+(?:,?\s+)?", "", words)
        if words and words not in _NOT_NAMES:
            phrases.append(words)
    return phrases


def salient_words(text: str) -> list[str]:
    """Content words, longest first (ties keep reading order)."""
    seen: list[str] = []
    for word in _WORD.findall(text):
        if _is_content_word(word) and word not in seen:
            seen.append(word)
    return sorted(seen, key=len, reverse=True)


def _is_content_word(word: str) -> bool:
    return word.lower() not in STOPWORDS and len(word) > 2 and not word.isdigit()


def topic_of(text: str) -> str | None:
    """What the prompt is ``about``, in at most three words."""
    match = _TOPIC.search(text)
    if not match:
        return None
    return " ".join(match.group(1).split()[:3]) or None


def joke_about(topic: str | None) -> tuple[str, str]:
    """A canned joke; the topic picks one, or is dropped into a template."""
    subject = (topic or "computer").lower()
    for key, joke in _JOKES.items():
        if subject.startswith(key):
            return joke
    return (
        f"Why did the {subject} bring a ladder to the meeting?",
        "Because it heard the stakes were high!",
    )
