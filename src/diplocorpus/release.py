"""A release bundle: one zip holding the package as Zenodo should archive it.

`diplocorpus-<version>.zip` holds datapackage.json, the tables (Parquet and CSV), the raw
files with their manifest, README.md with its figures, CITATION.cff, .zenodo.json,
croissant.json and SHA256SUMS, under one folder named like the zip. The
`-without-text` bundle holds the same tables with the text-bearing columns nulled (see
flavour.py), a datapackage.json and croissant.json describing them, and no raw files.

The same package gives the same bytes: entries are sorted (SHA256SUMS last: its sums are
taken as the files are zipped, each file read once) and carry the release date as their
time, fixed permissions, and no extra fields.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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
from diplocorpus.write import TableWriter, file_facts, write_descriptor

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
    """Validate the package, then write its bundle into `out_dir`; return what was written.
    Files are streamed into the zip, never held in memory whole, whatever the corpus's size."""
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
    name = bundle_name(without_text)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.zip"
    partial = out_dir / f".{name}.zip.partial"
    with tempfile.TemporaryDirectory(prefix=".release-") as tmp:
        if without_text:
            members = _without_text_members(package_dir, Path(tmp), descriptor)
        else:
            members = _full_members(package_dir, descriptor)
        try:
            _zip(partial, name, members)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, target)
    return Bundle(target, len(members) + 1, file_facts(target)[1].removeprefix("sha256:"))


def _figure_paths() -> list[str]:
    return [f"{FIGURES_DIR}/{name}" for name in FIGURES]


def _common_members(package_dir: Path) -> dict[str, Path]:
    return {name: package_dir / name for name in (*DOCUMENTS, *_figure_paths())}


def _full_members(package_dir: Path, descriptor: dict[str, Any]) -> dict[str, Path]:
    """The bundle's paths and the files they are taken from."""
    members = _common_members(package_dir)
    members["datapackage.json"] = package_dir / "datapackage.json"
    for resource in descriptor["resources"]:
        members[resource["path"]] = package_dir / resource["path"]
    members["data/raw/sources.csv"] = package_dir / "data/raw/sources.csv"
    for source in pq.read_table(package_dir / "data/sources.parquet", columns=["path"]).to_pylist():
        members[f"data/raw/{source['path']}"] = package_dir / "data/raw" / source["path"]
    return members


def _without_text_members(package_dir: Path, stage: Path, descriptor: dict[str, Any]) -> dict[str, Path]:
    """Write the without-text package into `stage`, check it, and return its files. Tables
    are withheld a row group at a time."""
    (stage / "data").mkdir()
    facts: dict[str, tuple[int, str]] = {}  # size and sha256 of each file written
    for name in TABLES:
        source = pq.ParquetFile(package_dir / f"data/{name}.parquet")
        schema = withhold(name, source.schema_arrow.empty_table()).schema
        with TableWriter(stage, name, schema, facts) as writer:
            for group in range(source.num_row_groups):
                writer.write(withhold(name, source.read_row_group(group)))
    stripped = _without_text_descriptor(descriptor, facts)
    write_descriptor(stage, stripped)
    (stage / "croissant.json").write_text(croissant_json(stripped), encoding="utf-8")
    members = _common_members(package_dir)
    for name in ("datapackage.json", "croissant.json"):
        members[name] = stage / name
    for resource in stripped["resources"]:
        members[resource["path"]] = stage / resource["path"]
    for name in ("README.md", "CITATION.cff", ".zenodo.json"):
        shutil.copyfile(members[name], stage / name)
    problems = validate_package(stage)
    if problems:
        raise ValidationFailed(problems)
    return members


def _without_text_descriptor(descriptor: dict[str, Any], facts: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """The descriptor of the without-text package, with the sizes and hashes of its files
    (`facts`, as the TableWriters gave them)."""
    resources = []
    for resource in descriptor["resources"]:
        size, digest = facts[resource["path"]]
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


def _zip(target: Path, root: str, members: dict[str, Path]) -> None:
    """Write the zip of `members` (bundle path: file) to `target`, streaming each file into
    its entry, then SHA256SUMS: the hashes of the bytes the entries took, read once."""
    stamp = tuple(int(part) for part in package.CREATED[:10].split("-")) + (0, 0, 0)
    sums = []
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(members):
            info = _entry(f"{root}/{path}", stamp)
            # Its size known beforehand, as writestr knows it, so the entry is the same.
            info.file_size = members[path].stat().st_size
            digest = hashlib.sha256()
            with members[path].open("rb") as source, archive.open(info, "w") as entry:
                while block := source.read(1 << 20):
                    digest.update(block)
                    entry.write(block)
            sums.append(f"{digest.hexdigest()}  {path}\n")
        archive.writestr(_entry(f"{root}/{CHECKSUMS}", stamp), "".join(sums).encode("utf-8"))


def _entry(name: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
    info.create_system = 3  # Unix, so the permissions below are read
    info.external_attr = 0o100644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9  # what writestr(compresslevel=9) sets; open() reads it
    return info
