"""The prompt checker: one set of rules for every prompt, whoever wrote it.

A prompt is held to its target's facts (`Target.words`, `tokens`, `negative`, `weights`,
`parameters`, `versions`) and, when the idea is known, to the idea: nothing it asks for is
excluded, and the words it must show are kept verbatim. The composer uses it to fit Stable
Diffusion's window and as a last check; `artisan check`, `artisan library check`, the Prompt
pane's count line and the craft benchmark use it as it is.

Rules (the `rule` of each `Problem`):

- `clip-tokens`: a Stable Diffusion positive prompt past CLIP's 75 tokens.
- `length`: words outside the target's range.
- `parameter`: a Midjourney parameter the version does not read, or a malformed one.
- `syntax`: syntax the target does not read (weights, parameters, a negative line, `BREAK`).
- `negated`: an exclusion that cancels the idea (a negative term, `--no`, "no ...").
- `text-lost`: words the idea must show that the prompt no longer says verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from artisan.lettering import QUOTED, words_to_show
from artisan.wording import Words

if TYPE_CHECKING:
    from artisan.targets import Target

NEGATIVE_PREFIX = "Negative prompt:"
_NEGATIVE_LINE = re.compile(rf"(?im)^\s*{re.escape(NEGATIVE_PREFIX)}")
_WEIGHT = re.compile(r"\([^()]*:\s*\d+(?:\.\d+)?\s*\)")
_PARAMETER = re.compile(r"(?:^|\s)--([a-zA-Z][\w-]*)((?:\s+(?!--)[^\s-][^\s]*)*)")
_AR = re.compile(r"^\d+:\d+$")
_NO_CLAUSE = re.compile(
    r"\b(?:no|without|avoid(?:ing)?|never)\s+([^.;:,]+(?:,\s*(?:no|without)\s+[^.;:,]+)*)",
    re.IGNORECASE,
)
_DENIED = re.compile(r"\b(?:no|not|without|never)\s+[\w'-]+(?:\s+[\w'-]+)?", re.IGNORECASE)
QUALIFIED = (
    "extra",
    "other",
    "additional",
    "beyond",
    "unwanted",
    "stray",
    "misspelled",
    "misspelt",
    "garbled",
    "illegible",
    "unreadable",
    "gibberish",
    "distorted",
    "blurry",
    "warped",
)
"""Words that make an exclusion about something other than what the idea asks ("no extra
text" leaves a poster's own words alone)."""
_STOP = frozenset(
    ("no", "not", "the", "and", "any", "or", "with", "without", "of", "a", "an", "unless", "asked")
)
LETTERING = frozenset(
    (
        "text",
        "word",
        "words",
        "letter",
        "letters",
        "lettering",
        "typography",
        "caption",
        "font",
        "title",
        "writing",
    )
)
"""Words for words: a negative term holding one cancels an idea that shows some."""


@dataclass(frozen=True)
class Problem:
    """One broken rule, said for a person."""

    rule: str
    message: str


@dataclass(frozen=True)
class Count:
    """How long the prompt is, in the unit its target counts."""

    unit: str
    """`clip tokens` or `words`."""
    value: int
    low: int | None
    high: int | None

    def __str__(self) -> str:
        if self.unit == "clip tokens":
            return f"{self.value}/{self.high} CLIP tokens"
        if self.low is not None and self.high is not None:
            return f"{self.value} words ({self.low}-{self.high})"
        return f"{self.value} words"

    @property
    def over(self) -> bool:
        return self.high is not None and self.value > self.high

    @property
    def under(self) -> bool:
        return self.low is not None and self.value < self.low


@dataclass(frozen=True)
class Report:
    """What the checker found in one prompt."""

    prompt: str
    target: str
    count: Count
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: the count, then each problem."""
        if self.ok:
            return f"{self.count}; no problems"
        return f"{self.count}; " + "; ".join(p.message for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "count": {
                "unit": self.count.unit,
                "value": self.count.value,
                "low": self.count.low,
                "high": self.count.high,
            },
            "problems": [{"rule": p.rule, "message": p.message} for p in self.problems],
        }


def check(prompt: str, target: Target, *, idea: str = "", version: str = "") -> Report:
    """Hold `prompt` to `target`'s rules and, when given, to `idea`.

    Args:
        prompt: The prompt as it would be sent (with a `Negative prompt:` line or parameters).
        target: The target it is written for.
        idea: The idea it was written from; empty when unknown (a pasted prompt).
        version: The model version it is written for (Midjourney); empty: the target's.
    """
    positive, negative_line = split(prompt)
    body, parameters = _parameters(positive) if target.parameters else (positive, [])
    problems: list[Problem] = []
    count = measure(prompt, target)
    if count.unit == "clip tokens" and count.over:
        problems.append(
            Problem(
                "clip-tokens",
                f"the positive prompt is {count.value} CLIP tokens; Stable Diffusion reads "
                f"{count.high}, the rest loses its place",
            )
        )
    elif count.over or count.under:
        side = "over" if count.over else "under"
        problems.append(
            Problem(
                "length",
                f"{count.value} words, {side} the {count.low}-{count.high} "
                f"{target.label} reads best",
            )
        )
    problems += _syntax(body, negative_line, target)
    if target.parameters:
        problems += _valid_parameters(parameters, target, version or target.version)
    if idea:
        text = words_to_show(idea)
        excluded = _exclusions(negative_line, parameters, _without(body, idea))
        for term in excluded:
            if negates(term, idea, text):
                problems.append(
                    Problem("negated", f"“{term}” is excluded, but the idea asks for it")
                )
        for words in text:
            if words not in prompt:
                problems.append(Problem("text-lost", f"the words “{words}” are not kept verbatim"))
    return Report(prompt=prompt, target=target.name, count=count, problems=tuple(problems))


def measure(prompt: str, target: Target) -> Count:
    """The prompt's length in its target's unit: CLIP tokens of the positive prompt for
    Stable Diffusion, words of the description (parameters aside) otherwise."""
    positive, _ = split(prompt)
    if target.tokens is not None:
        return Count("clip tokens", clip_tokens(positive), None, target.tokens)
    body = _parameters(positive)[0] if target.parameters else positive
    low, high = target.words if target.words else (None, None)
    return Count("words", len(body.split()), low, high)


def clip_tokens(text: str) -> int:
    """How many tokens CLIP's own tokenizer makes of `text` (start and end tokens aside)."""
    return len(_tokenizer().encode(text))


@cache
def _tokenizer() -> Any:
    from instant_clip_tokenizer import Tokenizer  # its vocabulary ships inside the package

    return Tokenizer()


def split(prompt: str) -> tuple[str, str]:
    """The positive prompt and the negative line's terms ("" when there is none)."""
    found = _NEGATIVE_LINE.search(prompt)
    if found is None:
        return prompt.strip(), ""
    negative = prompt[found.end() :].strip()
    return prompt[: found.start()].strip(), negative


def negates(term: str, idea: str, text: tuple[str, ...] = ()) -> bool:
    """Whether excluding `term` excludes what `idea` asks for: a word of the idea (in any
    number), or words and letters when the idea has some to show. A qualified term ("extra
    text") excludes something else."""
    lowered = term.lower().split()
    if any(q in lowered for q in QUALIFIED):
        return False
    content = [w for w in Words(term).stems if w not in _STOP and len(w) > 2]
    idea_words = Words(_DENIED.sub(" ", _drop_quoted(idea)))  # "no objects" asks for none
    if any(w in idea_words for w in content):
        return True
    return bool(text) and any(w in LETTERING for w in content)


def _without(body: str, idea: str) -> str:
    """The body with the idea's own words taken out: "a room without windows" excludes
    nothing."""
    idea = " ".join(idea.split()).rstrip(" .,;:!")
    if not idea:
        return body
    return re.sub(re.escape(idea), " ", body, flags=re.IGNORECASE)


def _drop_quoted(idea: str) -> str:
    """The idea without its quoted words: "NO PARKING" asks for words, not for parking."""
    return QUOTED.sub(" ", idea)


def _syntax(body: str, negative_line: str, target: Target) -> list[Problem]:
    problems = []
    if not target.weights and _WEIGHT.search(body):
        problems.append(
            Problem("syntax", f"(word:1.2) weights, which {target.label} does not read")
        )
    if not target.parameters and _PARAMETER.search(body):
        flag = _PARAMETER.search(body)
        name = f"--{flag.group(1)}" if flag else "--"
        problems.append(Problem("syntax", f"`{name}`: {target.label} reads no parameters"))
    if negative_line and not target.negative:
        problems.append(
            Problem("syntax", f"a `{NEGATIVE_PREFIX}` line, which {target.label} does not read")
        )
    if not target.weights and re.search(r"\bBREAK\b", body):
        problems.append(Problem("syntax", f"`BREAK`, which {target.label} does not read"))
    return problems


def _parameters(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The description and Midjourney's parameters (name, value) after it."""
    first = re.search(r"(?:^|\s)--[a-zA-Z]", text)
    if first is None:
        return text.strip(), []
    body, tail = text[: first.start()].strip(), text[first.start() :]
    found = [(m.group(1).lower(), m.group(2).strip()) for m in _PARAMETER.finditer(tail)]
    return body, found


def _valid_parameters(
    parameters: list[tuple[str, str]], target: Target, version: str
) -> list[Problem]:
    problems = []
    asked = next((value for name, value in parameters if name in ("v", "version")), "")
    version = asked or version
    allowed = target.versions.get(version)
    if target.versions and allowed is None:
        known = ", ".join(target.versions)
        problems.append(Problem("parameter", f"--v {version} is not a version ({known})"))
        return problems
    for name, value in parameters:
        if allowed is not None and name not in allowed:
            problems.append(
                Problem("parameter", f"--{name} is not a parameter of version {version}")
            )
        elif name in ("ar", "aspect") and not _AR.match(value):
            problems.append(Problem("parameter", f"--{name} needs a ratio such as 16:9"))
        elif name == "no" and not value:
            problems.append(Problem("parameter", "--no needs something to exclude"))
    return problems


def _exclusions(negative_line: str, parameters: list[tuple[str, str]], body: str) -> list[str]:
    """Everything the prompt excludes: the negative line, `--no`, and "no ..." clauses."""
    terms = [t.strip() for t in negative_line.split(",") if t.strip()]
    for name, value in parameters:
        if name == "no":
            terms += [t.strip() for t in value.split(",") if t.strip()]
    for clause in _NO_CLAUSE.finditer(_drop_quoted(body)):
        for part in re.split(r",\s*|\s+or\s+|\s+and\s+", clause.group(1)):
            part = re.sub(r"^(?:no|any)\s+", "", part.strip(), flags=re.IGNORECASE)
            if part:
                terms.append(part)
    return terms
