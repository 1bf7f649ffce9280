"""One tree of exceptions: every user-facing failure is a CorpusError with a one-line message."""

from __future__ import annotations


class CorpusError(Exception):
    """A problem with the user's input or package that the user can fix."""


class ManifestError(CorpusError):
    """data/raw/sources.csv is missing, malformed, or names something wrong."""


class DecodeError(CorpusError):
    """A raw file's bytes cannot be decoded as text."""


class FormatError(CorpusError):
    """A raw file is not in the format sources.csv declares; `line` is where that shows, if known."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)


class ValidationFailed(CorpusError):
    """The built tables break a schema or a cross-table invariant."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} validation problem(s): {problems[0] if problems else ''}")
