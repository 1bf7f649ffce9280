"""Small line-level helpers shared by the text parsers."""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\S+\s*")


def _lead_byte_classes() -> bytes:
    """A bytes.translate table marking the UTF-8 bytes that each start one letter counted:
    b"c" for Cyrillic (U+0400-U+04FF: lead bytes D0-D3), b"l" for Latin (A-Z, a-z, and
    U+00C0-U+023F: lead bytes C3-C8). U+0240-U+024F share lead byte C9 with other
    letters and are counted apart (_LATIN_C9)."""
    table = bytearray(256)
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + bytes(range(0xC3, 0xC9)):
        table[byte] = ord("l")
    for byte in range(0xD0, 0xD4):
        table[byte] = ord("c")
    return bytes(table)


_LETTER_CLASSES = _lead_byte_classes()
_LATIN_C9 = re.compile(rb"\xc9[\x80-\x8f]")


def letter_counts(text: str) -> tuple[int, int]:
    """Numbers of Cyrillic (U+0400-U+04FF) and of Latin (A-Z, a-z, U+00C0-U+024F) letters.

    Counted on the UTF-8 bytes, where each letter has one lead byte: bytes.translate and
    bytes.count do in C what a regular expression would do one match at a time.

    >>> letter_counts("Москва, Paris, Bamako 2025 🇲🇱")
    (6, 11)
    """
    data = text.encode("utf-8", "surrogatepass")
    classes = data.translate(_LETTER_CLASSES)
    latin = classes.count(b"l")
    if b"\xc9" in data:
        latin += len(_LATIN_C9.findall(data))
    return classes.count(b"c"), latin


def script_of(line: str) -> str | None:
    """'cyrillic', 'latin', or None when the line has no letters of either.

    >>> script_of("Привет, Mali"), script_of("Bonjour"), script_of("🇷🇺 2025")
    ('cyrillic', 'latin', None)
    """
    return script_of_counts(*letter_counts(line))


def script_of_counts(cyrillic: int, latin: int) -> str | None:
    """The script of a text from its letter counts (see `letter_counts`, `script_of`)."""
    if cyrillic == latin == 0:
        return None
    return "cyrillic" if cyrillic > latin else "latin"


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
