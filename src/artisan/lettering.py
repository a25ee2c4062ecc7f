"""The words an idea asks the image to show: one reading for the composer and the checker.

The composer keeps them verbatim and never excludes words from a prompt that has some; the
checker holds any prompt to the same words. Both read them here, so a word the checker expects
is never one the composer missed. Words to show are:

- quoted ("a mug that says "Best Dad"", 'single quotes', “curly”, «guillemets»);
- after a word that says what is written: "that says Get Well Soon", "reads Delikatesy u Basi",
  "the words Hold Fast", "the letters KM", "text overlay 10 Hidden Lakes", "his name Rufus";
  in lower case too where a verb says it ("a sign that says open all night above a door");
- a name: "called The Reading Room", "named Scoops Ahoy", "my novel Death by Scone";
- capitals that are not an abbreviation: "GAME OVER", "CONTINUE? 9", "just the word MACBETH";
- numbers printed on the thing: "a badge with 26.2", "$5", "50%", "2009\u20132023".
"""

from __future__ import annotations

import re

from artisan.wording import english

QUOTED = re.compile(
    r"\"([^\"]+)\"|“([^”]+)”|(?<![\w])'([^']*[^'\s])'(?![\w])|\u2018([^\u2019]+)\u2019|«([^»]+)»"
)
_SAYS = r"says?|saying|reads?|reading|spells?|spelling|(?:written|printed|lettered)(?: on it)?"
_WRITES = re.compile(r"\b(?:says?|saying|spells?|spelling|(?:that|which) reads)\s*:?\s+$")
"""Verbs after which lower-case words are still words to show ("that says open all night"),
unlike "reading" ("a girl reading a book")."""
_LEAD = re.compile(
    rf"\b(?:(?-i:{_SAYS})|(?:(?:with|and)\s+)?(?:the|my|his|her|our|their|its)\s+"
    r"(?:words?|letters?|text(?:\s+overlay)?|names?|initials|number|date|dates|motto|slogan)|"
    r"(?:text|caption|title)\s+overlay|headline|tagline|slogan|caption|title)\s*:?\s+",
    re.IGNORECASE,
)
"""What comes before written words: a verb of writing, or a noun that names them."""
_NAMED = re.compile(
    r"\b(?:called|named|titled|entitled|motto|initials|inscription|monogram|"
    r"(?:brand|shop|store|company|business|studio|product|band|cafe|café)\s+name(?:\s+is)?:?|"
    r"brand(?:ed)?|"
    r"(?:my|our|his|her|their|the)\s+(?:(?:\w+\s+){0,2}(?:novel|book|album|ep|tape|mixtape|single|"
    r"song|podcast|zine|film|movie|show|series|band|brand|shop|cafe|café|bakery|restaurant))"
    r"(?:\s+name(?:\s+is)?)?)"
    r"\s+",
    re.IGNORECASE,
)
"""What comes before a name ("called", "my synthwave EP")."""
_CONNECTORS = english("name_connectors")
"""Small words inside a name or a line of words ("Lux in Tenebris", "Delikatesy u Basi")."""
_PLACE = re.compile(
    r"\s+(?:above|below|over|under|on|in|at|beside|across|behind|with|next to|and)\s+"
    r"(?:an?|the)\b.*$",
    re.IGNORECASE,
)
"""Where lower-case written words end: "open all night | above a diner door"."""
_PRINTED_NUMBER = re.compile(
    r"(?:with|showing|and|saying|reads?)\s+(?:the\s+)?"
    r"(#\d+|[$£€]\d[\d.,]*|\d+(?:\.\d+)%?|\d+%|\d{1,2}(?::\d\d)?\s?[ap]m|\d{4}\s?[\u2013-]\s?\d{4})"
    r"(?![\w:/])",
    re.IGNORECASE,
)
_ABBREVIATIONS = english("abbreviations")
_INITIAL = re.compile(r"(?:^|[\s.])[A-Z]\.$")


def words_to_show(idea: str) -> tuple[str, ...]:
    """The words `idea` asks the image to show, verbatim, in the order found."""
    found: list[str] = []
    for match in QUOTED.finditer(idea):
        words = next(g for g in match.groups() if g is not None).strip()
        if words:
            found.append(words)
    unquoted = QUOTED.sub(" \u0000 ", idea)  # a quote ends any run of words around it
    for lead in _LEAD.finditer(unquoted):
        words = _capitalised(unquoted[lead.end() :])
        if not words and _WRITES.search(unquoted[: lead.end()]):
            words = _lower_case(unquoted[lead.end() :])
        found.append(words)
    for lead in _NAMED.finditer(unquoted):
        found.append(_capitalised(unquoted[lead.end() :]))
    if re.search(r"[a-z]", idea):  # an idea typed in capitals is not all words to show
        found += _capitals(unquoted)
    found += [m.group(1) for m in _PRINTED_NUMBER.finditer(unquoted)]
    return tuple(dict.fromkeys(w for w in found if len(w) > 1))  # "the letter F" is a shape


def _capitalised(text: str) -> str:
    """The name or line of words at the start of `text`: capitalised words or numbers, with
    small connecting words between them ("Enjoy The Lie-Ins, Gary!")."""
    tokens = text.split()
    kept: list[str] = []
    for place, token in enumerate(tokens):
        if token == "\u0000":
            break
        first = token.lstrip("'\"(")[:1]
        upper = first.isupper() or first.isdigit() or token == "&"
        if not upper:
            ahead = place
            while ahead < len(tokens) and tokens[ahead].lower() in _CONNECTORS:
                ahead += 1  # "Merry Christmas | from the | Okafors"
            following = tokens[ahead] if ahead < len(tokens) else ""
            joins = ahead > place and following[:1].isupper()
            if not kept or not joins or kept[-1].endswith(","):
                break
        kept.append(token)
        if token.endswith((".", ";", ":")) and not _INITIAL.search(token):
            break  # a sentence ends here ("called The Reading Room. I want ...")
        if token.endswith(",") and not (
            place + 1 < len(tokens) and tokens[place + 1][:1].isupper()
        ):
            break
    words = " ".join(kept).rstrip(",;:")
    if words.endswith(".") and not _INITIAL.search(words):
        words = words[:-1]
    return words


def _lower_case(text: str) -> str:
    """Lower-case words after a verb of writing, to the end of their clause and before a
    place ("that says open all night above a diner door")."""
    clause = re.split(r"[,;.!?\u0000]|\s[-\u2013\u2014]\s", text, maxsplit=1)[0].strip()
    return _PLACE.sub("", clause).strip()


def _capitals(text: str) -> list[str]:
    """Runs of capitals that are words to show, not abbreviations: two or more words of
    capitals ("NO PARKING"), one of five letters or more ("MACBETH"), or any with a question
    or exclamation mark ("CONTINUE? 9")."""
    runs: list[str] = []
    run: list[str] = []
    for token in [*text.split(), ""]:
        bare = token.strip(",;:.()[]")
        if bare and not re.search(r"[a-z]", bare) and re.search(r"[A-Z0-9]", bare):
            run.append(token)
            continue
        words = [t.strip(",;:.!?()[]") for t in run]
        capitals = [w for w in words if re.fullmatch(r"[A-Z][A-Z'&-]*[A-Z]", w)]
        plain = [w for w in capitals if w not in _ABBREVIATIONS]
        loud = any("?" in t or "!" in t for t in run) and capitals
        if loud or len(plain) >= 2 or any(len(w) >= 5 for w in plain):
            while run and not re.search(r"[A-Z]", run[0]) and not loud:
                run.pop(0)  # "with 3 GOLD STARS": the count is not lettered
            runs.append(" ".join(run).strip(",;:()[]"))
        run = []
    return runs
