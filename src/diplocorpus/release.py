"""A release bundle: one zip holding the package as Zenodo should archive it.

`diplocorpus-<version>.zip` holds datapackage.json, the tables (Parquet and CSV), the raw
files with their manifest, README.md with its figures, CITATION.cff, .zenodo.json,
croissant.json and SHA256SUMS, under one folder named like the zip. The
`-without-text` bundle holds the same tables with the text-bearing columns nulled (see
flavour.py), a datapackage.json and croissant.json describing them, and no raw files.

The same package gives the same bytes: entries are sorted and carry the release date as
their time, fixed permissions, and no extra fields.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from diplocorpus import package
from diplocorpus.croissant import croissant_json
from diplocorpus.errors import CorpusError, ValidationFailed
from diplocorpus.figures import FIGURES, FIGURES_DIR
from diplocorpus.flavour import FLAVOUR_KEY, FULL, WITHOUT_TEXT, flavour_of, withhold, withhold_schema
from diplocorpus.schema import TABLES
from diplocorpus.validate import validate_package
from diplocorpus.write import file_facts, write_descriptor, write_table_files

DOCUMENTS = ("README.md", "CITATION.cff", ".zenodo.json", "croissant.json")
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: int
    sha256: str


def bundle_name(without_text: bool) -> str:
    """The bundle's folder and file name, without '.zip'.

    >>> bundle_name(True).endswith("-without-text")
    True
    """
    return f"{package.NAME}-{package.VERSION}" + ("-without-text" if without_text else "")


def release(package_dir: Path, out_dir: Path, *, without_text: bool = False) -> Bundle:
    """Validate the package, then write its bundle into `out_dir`; return what was written."""
    package_dir = package_dir.resolve()
    problems = validate_package(package_dir)
    if problems:
        raise ValidationFailed(problems)
    descriptor = json.loads((package_dir / "datapackage.json").read_text("utf-8"))
    if flavour_of(descriptor) != FULL:
        raise CorpusError(
            f"{package_dir}: already a {flavour_of(descriptor)} package; release from the full one"
        )
    missing = [name for name in (*DOCUMENTS, *_figure_paths()) if not (package_dir / name).is_file()]
    if missing:
        raise CorpusError(f"{package_dir / missing[0]}: missing; run 'diplocorpus build' first")
    with tempfile.TemporaryDirectory(prefix=".release-") as tmp:
        if without_text:
            members = _without_text_members(package_dir, Path(tmp), descriptor)
        else:
            members = _full_members(package_dir, descriptor)
        name = bundle_name(without_text)
        data = _zip(name, members)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.zip"
    partial = out_dir / f".{name}.zip.partial"
    partial.write_bytes(data)
    os.replace(partial, target)
    return Bundle(target, len(members) + 1, hashlib.sha256(data).hexdigest())


def _figure_paths() -> list[str]:
    return [f"{FIGURES_DIR}/{name}" for name in FIGURES]


def _common_members(package_dir: Path) -> dict[str, bytes]:
    return {name: (package_dir / name).read_bytes() for name in (*DOCUMENTS, *_figure_paths())}


def _full_members(package_dir: Path, descriptor: dict[str, Any]) -> dict[str, bytes]:
    members = _common_members(package_dir)
    members["datapackage.json"] = (package_dir / "datapackage.json").read_bytes()
    for resource in descriptor["resources"]:
        members[resource["path"]] = (package_dir / resource["path"]).read_bytes()
    members["data/raw/sources.csv"] = (package_dir / "data/raw/sources.csv").read_bytes()
    for source in pq.read_table(package_dir / "data/sources.parquet", columns=["path"]).to_pylist():
        members[f"data/raw/{source['path']}"] = (package_dir / "data/raw" / source["path"]).read_bytes()
    return members


def _without_text_members(package_dir: Path, stage: Path, descriptor: dict[str, Any]) -> dict[str, bytes]:
    """Write the without-text package into `stage`, check it, and return its files."""
    (stage / "data").mkdir()
    for name in TABLES:
        write_table_files(stage, name, withhold(name, pq.read_table(package_dir / f"data/{name}.parquet")))
    stripped = _without_text_descriptor(stage, descriptor)
    write_descriptor(stage, stripped)
    (stage / "croissant.json").write_text(croissant_json(stripped), encoding="utf-8")
    members = _common_members(package_dir)
    for name in ("datapackage.json", "croissant.json"):
        members[name] = (stage / name).read_bytes()
    for resource in stripped["resources"]:
        members[resource["path"]] = (stage / resource["path"]).read_bytes()
    for name in ("README.md", "CITATION.cff", ".zenodo.json"):
        (stage / name).write_bytes(members[name])
    problems = validate_package(stage)
    if problems:
        raise ValidationFailed(problems)
    return members


def _without_text_descriptor(stage: Path, descriptor: dict[str, Any]) -> dict[str, Any]:
    resources = []
    for resource in descriptor["resources"]:
        size, digest = file_facts(stage / resource["path"])
        table = resource["name"].removesuffix("-csv")
        resources.append(
            {**resource, "bytes": size, "hash": digest, "schema": withhold_schema(table, resource["schema"])}
        )
    head = {k: v for k, v in descriptor.items() if k != "resources"}
    head["description"] = (
        f"{descriptor['description']} This is the without-text flavour: every row, id, span, hash, "
        "count and annotation is kept, the columns holding the publishers' texts are null."
    )
    return {**head, FLAVOUR_KEY: WITHOUT_TEXT, "resources": resources}


def _zip(root: str, members: dict[str, bytes]) -> bytes:
    checksums = "".join(f"{hashlib.sha256(members[p]).hexdigest()}  {p}\n" for p in sorted(members))
    entries = {**members, CHECKSUMS: checksums.encode("utf-8")}
    stamp = tuple(int(part) for part in package.CREATED[:10].split("-")) + (0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(entries):
            info = zipfile.ZipInfo(f"{root}/{path}", date_time=stamp)  # type: ignore[arg-type]
            info.create_system = 3  # Unix, so the permissions below are read
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[path], compresslevel=9)
    return buffer.getvalue()
