"""Citation metadata generated from package.py: CITATION.cff (Citation File Format 1.2.0)
and .zenodo.json (Zenodo's deposit metadata), and the check of .zenodo.json against the
documented rules kept in metaschemas/.

>>> zenodo_metadata()["upload_type"]
'dataset'
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from diplocorpus import package

# Zenodo takes one main language, as ISO 639-2/639-3.
ISO639_2 = {"fr": "fra", "ru": "rus", "en": "eng"}
ZENODO_SCHEMA = "metaschemas/zenodo-deposit-metadata.schema.json"


def release_date() -> str:
    """The release date of this version, YYYY-MM-DD."""
    return package.CREATED[:10]


def creators() -> list[str]:
    return [c["title"] for c in package.CONTRIBUTORS if "creator" in c.get("roles", [])]


def citation_cff() -> str:
    """The text of CITATION.cff."""
    document: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this corpus, please cite it as below.",
        "type": "dataset",
        "title": package.TITLE,
        "abstract": f"{package.DESCRIPTION} {package.RIGHTS_NOTE}",
        "authors": [{"name": name} for name in creators()],
        "version": package.VERSION,
        "date-released": release_date(),
        "license": package.DATA_LICENSE,
        "keywords": list(package.KEYWORDS),
    }
    header = "# Generated from src/diplocorpus/package.py by `diplocorpus build`; edit that file instead.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def zenodo_metadata() -> dict[str, Any]:
    """The content of .zenodo.json."""
    paragraphs = (package.DESCRIPTION, package.RIGHTS_NOTE)
    return {
        "upload_type": "dataset",
        "title": package.TITLE,
        "creators": [{"name": name} for name in creators()],
        "description": "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs),
        "access_right": "open",
        "license": package.DATA_LICENSE.lower(),
        "keywords": list(package.KEYWORDS),
        "language": ISO639_2[package.LANGUAGES[0]],
        "version": package.VERSION,
        "publication_date": release_date(),
        "notes": package.RIGHTS_NOTE,
        "related_identifiers": [
            {"identifier": ref["doi"], "relation": "references", "resource_type": "publication-article"}
            for ref in package.REFERENCES
        ],
    }


def zenodo_json() -> str:
    return json.dumps(zenodo_metadata(), ensure_ascii=False, indent=2) + "\n"


@cache
def zenodo_schema() -> dict[str, Any]:
    return json.loads(resources.files("diplocorpus").joinpath(ZENODO_SCHEMA).read_text("utf-8"))


def zenodo_problems(metadata: Any) -> list[str]:
    """Where `metadata` breaks Zenodo's documented deposit rules, one line per problem."""
    validator = jsonschema.Draft202012Validator(zenodo_schema())
    return [
        f".zenodo.json: {'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(metadata), key=lambda e: list(map(str, e.absolute_path)))
    ]
