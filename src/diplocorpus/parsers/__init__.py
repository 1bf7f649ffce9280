"""One module per input format, all of the same shape, and one registry.

Each parser module exposes `FORMAT` (the name used in sources.csv), `PLATFORM`, and
`parse(text) -> Iterator[ParsedRecord | ParsedIssue]`: pure, no I/O, so tests feed it
strings. A parser raises FormatError only for "this is not my format"; oddities in
the input become ParsedIssue records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from diplocorpus.parsers import telegram_html, telegram_json, telegram_text, web_html, web_text
from diplocorpus.records import Parsed

ParseFunction = Callable[[str], Iterator[Parsed]]

_MODULES: tuple[ModuleType, ...] = (telegram_text, web_text, telegram_html, telegram_json, web_html)

PARSERS: dict[str, ParseFunction] = {m.FORMAT: m.parse for m in _MODULES}
PLATFORMS: dict[str, str] = {m.FORMAT: m.PLATFORM for m in _MODULES}


def formats() -> frozenset[str]:
    return frozenset(PARSERS)
