"""Read raw inputs: the manifest data/raw/sources.csv and each raw file's text.

Decoding is explicit: UTF-8 (with or without BOM) and UTF-16 with BOM are recognised;
any other encoding must be declared in the manifest's optional `encoding` column, so a
wrong guess can never turn bytes into invented text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from diplocorpus.errors import DecodeError, ManifestError

MANIFEST = Path("data/raw/sources.csv")
REQUIRED_COLUMNS = ("source_id", "path", "format")
OPTIONAL_COLUMNS = (
    "platform",
    "name",
    "handle",
    "url",
    "language",
    "collected_at",
    "encoding",
    "notes",
)
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One row of sources.csv, with the manifest line it came from."""

    line: int
    source_id: str
    path: str
    format: str
    fields: dict[str, str | None]
    collected_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RawFile:
    entry: ManifestEntry
    text: str
    sha256: str
    size: int
    encoding: str


def read_manifest(package_dir: Path, known_formats: frozenset[str]) -> list[ManifestEntry]:
    """Read and check data/raw/sources.csv; raise ManifestError naming file and line."""
    path = package_dir / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{path}: not found; add one row per raw file (source_id,path,format)")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ManifestError(f"{path}:1: missing column(s) {', '.join(missing)}")
        unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if unknown:
            raise ManifestError(f"{path}:1: unknown column(s) {', '.join(unknown)}")
        entries: list[ManifestEntry] = []
        seen_ids: dict[str, int] = {}
        seen_paths: dict[str, int] = {}
        raw_root = (package_dir / "data/raw").resolve()
        for row in reader:
            line = reader.line_num
            values = {k: (v.strip() if v and v.strip() else None) for k, v in row.items() if k}
            source_id, rel, fmt = (values.get(c) for c in REQUIRED_COLUMNS)
            where = f"{path}:{line}"
            if not source_id or not SOURCE_ID.match(source_id):
                raise ManifestError(
                    f"{where}: source_id {source_id!r} must be lower-case letters, digits, '_' or '-'"
                )
            if source_id in seen_ids:
                raise ManifestError(
                    f"{where}: duplicate source_id {source_id!r} (first on line {seen_ids[source_id]})"
                )
            if fmt not in known_formats:
                raise ManifestError(
                    f"{where}: unknown format {fmt!r}; known: {', '.join(sorted(known_formats))}"
                )
            if not rel:
                raise ManifestError(f"{where}: empty path")
            target = (raw_root / rel).resolve()
            if not target.is_relative_to(raw_root) or target == raw_root:
                raise ManifestError(f"{where}: path {rel!r} is outside data/raw/")
            if rel in seen_paths:
                raise ManifestError(f"{where}: path {rel!r} already listed on line {seen_paths[rel]}")
            if not target.is_file():
                raise ManifestError(f"{where}: raw file data/raw/{rel} not found")
            seen_ids[source_id] = line
            seen_paths[rel] = line
            extra = {c: values.get(c) for c in OPTIONAL_COLUMNS}
            language = extra.get("language")
            if language and not re.match(r"^([a-z]{2}|und)$", language):
                raise ManifestError(f"{where}: language {language!r} must be ISO 639-1 or 'und'")
            collected = _parse_timestamp(extra.get("collected_at"), where)
            entries.append(ManifestEntry(line, source_id, rel, fmt, extra, collected))
    if not entries:
        raise ManifestError(f"{path}: lists no raw files")
    return entries


def _parse_timestamp(value: str | None, where: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ManifestError(f"{where}: collected_at {value!r} is not an ISO 8601 time") from None
    if stamp.tzinfo is None:
        raise ManifestError(f"{where}: collected_at {value!r} needs a time zone (e.g. 'Z' for UTC)")
    return stamp.astimezone(dt.UTC)


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode raw bytes to NFC text with '\\n' newlines.

    >>> decode("é\\r\\nb".encode(), "x.txt")
    'é\\nb'
    """
    return decode_with(data, name, encoding)[0]


def decode_with(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode raw bytes; return the text and the name of the encoding used."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DecodeError(f"{name}: unknown encoding {encoding!r} in sources.csv") from None
        chosen = encoding
    elif data.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        chosen = "utf-16"
    else:
        chosen = "utf-8"
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DecodeError(
            f"{name}:{line}: bytes are not valid {chosen} ({err.reason} at byte {err.start}); "
            "declare the file's encoding in the encoding column of sources.csv"
        ) from None
    if "\r" in text:  # one scan instead of two copies for the files that have none
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), chosen


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, in hex, read a block at a time."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def read_raw(package_dir: Path, entry: ManifestEntry) -> RawFile:
    data = (package_dir / "data/raw" / entry.path).read_bytes()
    text, encoding = decode_with(data, f"data/raw/{entry.path}", entry.fields.get("encoding"))
    return RawFile(entry, text, hashlib.sha256(data).hexdigest(), len(data), encoding)
