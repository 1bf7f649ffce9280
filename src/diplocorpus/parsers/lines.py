"""Small line-level helpers shared by the text parsers."""

from __future__ import annotations

import difflib
import re

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_TOKEN = re.compile(r"\S+\s*")


def letter_counts(text: str) -> tuple[int, int]:
    """Numbers of Cyrillic and of Latin letters in a text."""
    return len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))


def script_of(line: str) -> str | None:
    """'cyrillic', 'latin', or None when the line has no letters of either.

    >>> script_of("Привет, Mali"), script_of("Bonjour"), script_of("🇷🇺 2025")
    ('cyrillic', 'latin', None)
    """
    cyr, lat = letter_counts(line)
    if cyr == lat == 0:
        return None
    return "cyrillic" if cyr > lat else "latin"


def majority_script(lines: list[str]) -> str | None:
    return script_of("\n".join(lines))


def same_line(a: str, b: str) -> bool:
    """Whether two rendered lines are copies of one line.

    Copies may differ: one may be cut short where a link's text was dropped, or miss a
    few words. Lines must share a 20-character start (or be equal) to count.
    """
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    if len(a) < 20 or len(b) < 20 or a[:20] != b[:20]:
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if long.startswith(short):
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def merge_lines(a: str, b: str) -> str:
    """Merge two copies of a line so that neither loses a word.

    >>> merge_lines("avec le Président Poutine.", "avec le Président")
    'avec le Président Poutine.'
    >>> merge_lines("le Président russe", "le Président Vladimir russe")
    'le Président Vladimir russe'
    """
    if a == b or b in a:
        return a
    if a in b:
        return b
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        for token in ta[i1:i2] if op == "equal" else ta[i1:i2] + tb[j1:j2]:
            if out and not out[-1][-1:].isspace():
                out.append(" ")
            out.append(token)
    return "".join(out).rstrip()
