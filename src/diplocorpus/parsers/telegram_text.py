"""`telegram-text`: the plain-text render of a public channel preview (t.me/s/NAME).

The render is a flat run of lines. A post may open with `Forwarded from NAME` and
with a media marker (`Media is too big` + `VIEW IN TELEGRAM`), and usually closes with
its reactions line (`👍47❤14👏3`). A multi-line body usually appears twice: first line
plus body, then the body again; the copies can differ, so the post's text is their
merge. A post without reactions may be followed directly by the next one (a Russian
original and its French translation): the end of the doubled copy, or a change of
script, marks that boundary. Service lines and page chrome are records of their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from diplocorpus.parsers.lines import (
    letter_counts,
    majority_script,
    merge_lines,
    same_line,
    script_of_counts,
)
from diplocorpus.records import Parsed, ParsedIssue, ParsedRecord, Reaction

FORMAT = "telegram-text"
PLATFORM = "telegram"

VIEW_IN_TELEGRAM = "VIEW IN TELEGRAM"
# Markers that stand where the render could not show media. A leading marker opens a
# post (media sits above the text); a trailing one closes the post it follows.
LEADING_MARKERS = {
    "Media is too big": "media_too_big",
    "This media is not supported in your browser": "not_supported_in_browser",
}
TRAILING_MARKERS = {"Please open Telegram to view this post": "open_in_telegram"}

FORWARDED = re.compile(r"^Forwarded from (?P<name>.+)$")
# Service messages, by action; the first pattern that matches the whole text wins.
SERVICE_PATTERNS = (
    ("channel_renamed", r"Channel name was changed to «(?P<title>.*)»"),
    ("channel_created", r"Channel created"),
    ("channel_photo_updated", r"Channel photo updated"),
    ("channel_photo_removed", r"Channel photo removed"),
    ("message_pinned", r".+ pinned «.*»|.+ pinned a (?:message|photo|video|file)"),
    ("live_stream_started", r"Live stream (?:started|scheduled)\b.*"),
    ("live_stream_ended", r"Live stream (?:finished|ended)\b.*"),
)
# One pattern for all of them, each action a named group: one match per line instead of seven.
SERVICE = re.compile(
    "(?:" + "|".join(f"(?P<{action}>{pattern})" for action, pattern in SERVICE_PATTERNS) + ")$"
)
# What every service message above starts with or contains: a cheap test that spares text
# lines the pattern, whose ".+ pinned" backtracks over the whole line.
SERVICE_STARTS = ("Channel ", "Live stream ")
SERVICE_PIN = " pinned "
CHROME = re.compile(
    r"^(?:[\d.,]+[KM]? (?:subscribers?|members?|photos?|videos?|files?|links?)"
    r"|Download Telegram|Preview channel|Join Channel|Open Channel|Open in Telegram"
    r"|If you have Telegram, you can view and join .+ right away\.?"
    r"|You can view and join .+ right away\.?)$"
)
# How forwards, media markers, service messages other than pins, and page chrome start: one
# of the tests of `special` in parse(), which every line that is not text passes.
_SPECIAL_START = re.compile(
    "|".join(
        [
            FORWARDED.pattern,
            CHROME.pattern,
            *map(re.escape, [*LEADING_MARKERS, *TRAILING_MARKERS, *SERVICE_STARTS]),
        ]
    )
)
_COUNT = re.compile(r"(?P<emoji>[^\d\s]*)(?P<count>\d+(?:[.,]\d+)?[KkMm]?) ?")
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Cs", "Co"})
_SCALES = {"K": 1_000, "k": 1_000, "M": 1_000_000, "m": 1_000_000}


def parse_reactions(line: str) -> tuple[Reaction, ...] | None:
    """Read a reactions line, or return None when the line is not one.

    >>> [(r.emoji, r.count) for r in parse_reactions("👍47❤14")]
    [('👍', 47), ('❤', 14)]
    >>> [(r.emoji, r.count) for r in parse_reactions("1.2K")]
    [(None, 1200)]
    >>> parse_reactions("👍 Merci à tous") is None
    True
    """
    s = line.strip()
    # A reactions line ends with a count (a digit, or K or M); most lines can stop here.
    if not s or not (s[-1].isdecimal() or s[-1] in "KkMm"):
        return None
    found: list[Reaction] = []
    pos = 0
    while pos < len(s):
        m = _COUNT.match(s, pos)  # never empty: a count has a digit
        if m is None:
            return None
        emoji, shown = m.groups()
        if emoji and not _is_emoji(emoji):
            return None
        found.append(Reaction(emoji or None, expand_count(shown), shown))
        pos = m.end()
    return tuple(found)


@lru_cache(maxsize=4096)
def _is_emoji(text: str) -> bool:
    """Whether every character of `text` is a symbol or a mark (emoji are, with their selectors)."""
    return all(unicodedata.category(c) in _EMOJI_CATEGORIES for c in text)


def expand_count(shown: str) -> int:
    """A count as Telegram shows it, expanded: an estimate when abbreviated.

    >>> expand_count("28.0K"), expand_count("1,5M"), expand_count("312")
    (28000, 1500000, 312)
    """
    if shown.isdecimal():  # most counts
        return int(shown)
    scale = _SCALES.get(shown[-1], 1)
    digits = shown[:-1] if scale > 1 else shown
    return round(float(digits.replace(",", ".")) * scale)


@dataclass(slots=True)
class _Block:
    """Lines between two hard boundaries: possibly several posts without reactions."""

    start: int
    forwarded_from: str | None = None
    leading_media: str | None = None
    trailing_media: str | None = None
    # The content lines: their numbers, and their text (stripped), in two lists.
    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    # The roles of the lines that are not content: forward, markers, reactions.
    roles: dict[int, str] = field(default_factory=dict)
    reactions: tuple[Reaction, ...] = ()
    reactions_line: int | None = None
    last_line: int = 0

    def is_empty(self) -> bool:
        return not self.roles and not self.texts


@dataclass(slots=True)
class _Post:
    numbers: list[int]  # of its content lines
    text_lines: list[str]
    roles: dict[int, str]  # of its content lines, in line order
    differing: list[int]
    inferred_boundary: bool = False


def parse(text: str) -> Iterator[Parsed]:
    """Split a channel render into posts, service records and issues."""
    lines = text.split("\n")
    ordinal = 0
    block: _Block | None = None
    pending_marker: int | None = None  # line of a marker still waiting for VIEW IN TELEGRAM

    def flush() -> Iterator[Parsed]:
        nonlocal block, ordinal
        if block is not None and not block.is_empty():
            for item in _emit_block(block, ordinal):
                if isinstance(item, ParsedRecord):
                    ordinal += 1
                yield item
        block = None

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line == VIEW_IN_TELEGRAM:
            if pending_marker == number - 1 and block is not None:
                block.roles[number] = "marker"
                block.last_line = number
            else:
                yield from flush()
                yield ParsedIssue(
                    number, number, "orphan_marker", "VIEW IN TELEGRAM without a media marker before it"
                )
            pending_marker = None
            continue
        pending_marker = None
        # Most lines are text: one cheap test sets apart the few that may be anything else,
        # and each test below runs only when the ones before it failed.
        # Whether the line may be a reactions line, a forward, a media marker, a service
        # message or page chrome: what each of these needs, tested at once and cheaply.
        special = (
            line[-1].isdecimal()
            or line[-1] in "KkMm"
            or SERVICE_PIN in line
            or _SPECIAL_START.match(line) is not None
        )
        if special and (reactions := parse_reactions(line)) is not None:
            if block is None or block.is_empty():
                yield from flush()
                yield ParsedIssue(
                    number, number, "orphan_reactions", f"reactions line {line!r} follows no post"
                )
                continue
            block.reactions = reactions
            block.reactions_line = number
            block.roles[number] = "reactions"
            block.last_line = number
            yield from flush()
        elif special and (forwarded := FORWARDED.match(line)):
            yield from flush()
            block = _Block(start=number, forwarded_from=forwarded.group("name").strip())
            block.roles[number] = "forwarded"
            block.last_line = number
        elif special and (line in LEADING_MARKERS or line in TRAILING_MARKERS):
            media = LEADING_MARKERS.get(line) or TRAILING_MARKERS[line]
            if block is not None and block.texts and line in LEADING_MARKERS:
                yield from flush()
            if block is None:
                block = _Block(start=number)
            if block.texts:
                block.trailing_media = block.trailing_media or media
            else:
                block.leading_media = block.leading_media or media
            block.roles[number] = "marker"
            block.last_line = number
            pending_marker = number
        elif special and (service := match_service(line)):
            yield from flush()
            action, title = service
            ordinal += 1
            yield ParsedRecord(
                kind="service",
                line_start=number,
                line_end=number,
                text=line,
                roles={number: "text"},
                title=title,
                service_action=action,
            )
        elif special and CHROME.match(line):
            # The channel's title (and handle) stand alone just above its subscriber count.
            if (
                block is not None
                and not block.roles
                and 0 < len(block.texts) <= 2
                and all(len(t) < 80 for t in block.texts)
                and line.split(" ")[-1].startswith(("subscriber", "member"))
            ):
                for n, t in zip(block.numbers, block.texts, strict=True):
                    yield ParsedIssue(n, n, "page_chrome", f"channel header line dropped: {t!r}")
                block = None
            yield from flush()
            yield ParsedIssue(number, number, "page_chrome", f"page chrome dropped: {line!r}")
        else:
            if block is not None and block.trailing_media:  # a trailing marker closed the post
                yield from flush()
            if block is None:
                block = _Block(start=number)
            block.numbers.append(number)
            block.texts.append(line)
            block.last_line = number
    yield from flush()


def match_service(text: str) -> tuple[str, str | None] | None:
    """The action of a service message and the title it gives, or None for other text.

    >>> match_service("Channel name was changed to «Ambassade de Russie»")
    ('channel_renamed', 'Ambassade de Russie')
    >>> match_service("Le Président a reçu le Ministre") is None
    True
    """
    if not text.startswith(SERVICE_STARTS) and SERVICE_PIN not in text:
        return None
    m = SERVICE.match(text)
    if m is None:
        return None
    action = next(action for action, _ in SERVICE_PATTERNS if m.group(action) is not None)
    return action, m.group("title")


def _emit_block(block: _Block, ordinal: int) -> Iterator[Parsed]:
    posts = _split_posts(block.numbers, block.texts) if block.texts else []
    if not posts:  # markers or a forward line and nothing else: a post with no text
        posts = [_Post([], [], {}, [])]
    last = len(posts) - 1
    for index, post in enumerate(posts):
        ordinal += 1
        first_content = post.numbers[0] if post.numbers else block.start
        last_content = post.numbers[-1] if post.numbers else block.last_line
        start = block.start if index == 0 else first_content
        end = block.last_line if index == last else last_content
        roles = post.roles
        if block.roles:  # the forward, markers and reactions around the post's content
            # Joined in line order: the block's roles lie before its content or after it,
            # and a post's own roles are in line order (_Post).
            before = {n: r for n, r in block.roles.items() if n < first_content} if index == 0 else {}
            after = {n: r for n, r in block.roles.items() if n > last_content} if index == last else {}
            roles = {**before, **roles, **after}
        yield ParsedRecord(
            kind="post",
            line_start=start,
            line_end=end,
            text="\n".join(post.text_lines) if post.text_lines else None,
            roles=roles,
            forwarded_from=block.forwarded_from if index == 0 else None,
            media=(block.leading_media if index == 0 else None)
            or (block.trailing_media if index == last else None),
            reactions=block.reactions if index == last else (),
        )
        if post.inferred_boundary:
            yield ParsedIssue(
                start,
                start,
                "boundary_inferred",
                "post starts without a marker: after the previous post's "
                "doubled body ended, or where the script changed",
                ordinal,
            )
        abbreviated = [r for r in block.reactions if r.shown != str(r.count)] if index == last else []
        if abbreviated and block.reactions_line is not None:
            shown = ", ".join(f"{r.shown!r} as {r.count}" for r in abbreviated)
            yield ParsedIssue(
                block.reactions_line,
                block.reactions_line,
                "approximate_count",
                f"abbreviated reaction count(s) stored as estimates: {shown}",
                ordinal,
            )
        if post.differing:
            shown = ", ".join(str(n) for n in post.differing)
            yield ParsedIssue(
                post.differing[0],
                post.differing[-1],
                "copies_differ",
                f"the two copies of the body differ on line(s) {shown}; the text keeps both",
                ordinal,
            )


def _split_posts(numbers: list[int], texts: list[str], inferred: bool = False) -> list[_Post]:
    """Split the content lines of one block (their numbers and texts) into posts."""
    if not texts:
        return []
    half = (len(texts) - 1) // 2
    if half and len(texts) == 2 * half + 1 and texts[1 : half + 1] == texts[half + 1 :]:
        # Most bodies: first line, body, and the body again, line for line. _find_copy would
        # align each line with its copy and _merge_copies keep the first copy: what follows.
        roles = dict.fromkeys(numbers[: half + 1], "text")
        roles.update(dict.fromkeys(numbers[half + 1 :], "copy"))
        return [_Post(numbers, texts[: half + 1], roles, [], inferred)]
    split = _find_copy(texts)
    if split is None:
        cut = _script_change(texts)
        if cut is None:
            return [_Post(numbers, texts, dict.fromkeys(numbers, "text"), [], inferred)]
        head = _Post(numbers[:cut], texts[:cut], dict.fromkeys(numbers[:cut], "text"), [], inferred)
        return [head, *_split_posts(numbers[cut:], texts[cut:], inferred=True)]
    copy_start, matches = split
    copy_end = matches[-1][1]
    post = _merge_copies(numbers, texts, copy_start, copy_end, matches, inferred)
    rest_numbers, rest_texts = numbers[copy_end + 1 :], texts[copy_end + 1 :]
    if not rest_texts:
        return [post]
    if _find_copy(rest_texts) is not None or (
        majority_script(rest_texts) not in (None, majority_script(post.text_lines))
    ):
        return [post, *_split_posts(rest_numbers, rest_texts, inferred=True)]
    # Lines after the second copy that start no post of their own: the copy's extra lines.
    post.numbers.extend(rest_numbers)
    post.text_lines.extend(rest_texts)
    post.roles.update(dict.fromkeys(rest_numbers, "text"))
    return [post]


def _find_copy(texts: list[str]) -> tuple[int, list[tuple[int, int]]] | None:
    """Find where the body's second copy starts, and how it aligns with the first.

    Returns (s, matches): the first copy is texts[1:s], the second starts at s, and
    matches pairs indices (into texts) of lines of the first copy with their copies.
    `texts` are stripped lines.
    """
    if len(texts) < 3:  # a first line and nothing to be a copy of (a sixth of the blocks)
        return None
    best: tuple[int, list[tuple[int, int]]] | None = None
    # Copies share their first 20 characters (see same_line): comparing these first spares
    # most calls to same_line.
    heads = [t[:20] for t in texts]
    anchor_heads = set(heads[1:3])
    for s in range(2, len(texts)):
        if heads[s] not in anchor_heads or not any(
            heads[s] == heads[k] and same_line(texts[s], texts[k]) for k in range(1, min(s, 3))
        ):
            continue
        if best is not None and min(s - 1, len(texts) - s) <= len(best[1]):
            continue  # fewer lines on either side than the best alignment already matched
        matches = _align(texts, heads, 1, s)
        needed = max(1, (6 * (s - 1) + 9) // 10)  # at least 60% of the first copy
        if len(matches) >= needed and (best is None or len(matches) > len(best[1])):
            best = (s, matches)
    return best


def _align(texts: list[str], heads: list[str], first: int, second: int, window: int = 4, gap: int = 2):
    """Greedy in-order alignment of texts[second:] against texts[first:second]; `heads` are
    the texts' first 20 characters."""
    matches: list[tuple[int, int]] = []
    i, unmatched = first, 0
    for j in range(second, len(texts)):
        if i >= second or unmatched > gap:
            break
        for k in range(i, min(i + window, second)):
            if heads[k] == heads[j] and (texts[k] == texts[j] or same_line(texts[k], texts[j])):
                matches.append((k, j))
                i, unmatched = k + 1, 0
                break
        else:
            unmatched += 1
    return matches


def _merge_copies(numbers, texts, copy_start, copy_end, matches, inferred) -> _Post:
    out = [texts[0]]
    roles = {numbers[0]: "text"}
    differing: list[int] = []
    i, j = 1, copy_start
    for a, b in [*matches, (copy_start, copy_end + 1)]:
        for k in range(i, a):  # only in the first copy
            out.append(texts[k])
            roles[numbers[k]] = "text"
            differing.append(numbers[k])
        for k in range(j, min(b, copy_end + 1)):  # only in the second copy
            out.append(texts[k])
            roles[numbers[k]] = "text"
            differing.append(numbers[k])
        if a >= copy_start:
            break
        out.append(merge_lines(texts[a], texts[b]))
        roles[numbers[a]] = "text"
        roles[numbers[b]] = "copy"
        if texts[a] != texts[b]:
            differing.append(numbers[b])
        i, j = a + 1, b + 1
    return _Post(numbers[: copy_end + 1], out, dict(sorted(roles.items())), sorted(differing), inferred)


def _script_change(texts: list[str]) -> int | None:
    """Index where the script changes for good (a post followed by its translation)."""
    if len(texts) < 2:
        return None
    counts = [letter_counts(t) for t in texts]
    scripts = [script_of_counts(*c) for c in counts]
    # The scripts seen from each line to the end, computed once from the back.
    after: list[set[str]] = [set() for _ in range(len(texts) + 1)]
    for k in range(len(texts) - 1, -1, -1):
        after[k] = after[k + 1] | ({scripts[k]} if scripts[k] else set())
    cyrillic = latin = 0
    for k in range(1, len(texts)):
        cyrillic += counts[k - 1][0]
        latin += counts[k - 1][1]
        before = None if cyrillic == latin == 0 else ("cyrillic" if cyrillic > latin else "latin")
        if before and scripts[k] and scripts[k] != before and after[k] == {scripts[k]}:
            return k
    return None
