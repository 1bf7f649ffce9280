"""croissant.json: the package described in MLCommons Croissant 1.0, generated from
datapackage.json.

Each Parquet resource becomes a FileObject (with its sha256), each table a RecordSet whose
fields are the Table Schema's columns, read from the Parquet file; primary keys become
record-set keys. Foreign keys stay in datapackage.json only: mlcroissant (1.1) reads a
field's `references` as a join to perform, and cannot load a record set that has one.

>>> CROISSANT_TYPES["integer"]
'sc:Integer'
"""

from __future__ import annotations

import json
from typing import Any

from diplocorpus import package

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
# Croissant's own name for Parquet, the one mlcroissant reads.
PARQUET_ENCODING = "application/x-parquet"
CROISSANT_TYPES = {
    "string": "sc:Text",
    "integer": "sc:Integer",
    "number": "sc:Float",
    "boolean": "sc:Boolean",
    "datetime": "sc:DateTime",
    "date": "sc:Date",
}
# The standard @context of Croissant 1.0.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def croissant(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The Croissant description of the package whose datapackage.json is `descriptor`."""
    tables = [r for r in descriptor["resources"] if r.get("format") == "parquet"]
    license_ = descriptor["licenses"][0]
    creators = [c["title"] for c in descriptor["contributors"] if "creator" in c.get("roles", [])]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": descriptor["name"],
        "alternateName": descriptor["title"],
        "description": descriptor["description"],
        "version": descriptor["version"],
        "datePublished": descriptor["created"][:10],
        "license": license_["path"],
        "creator": [{"@type": "sc:Organization", "name": name} for name in creators],
        "keywords": descriptor["keywords"],
        "inLanguage": package.LANGUAGES,
        "citeAs": _cite_as(descriptor, creators),
        "usageInfo": package.RIGHTS_NOTE,
        "distribution": [_file_object(r) for r in tables],
        "recordSet": [_record_set(r) for r in tables],
    }


def croissant_json(descriptor: dict[str, Any]) -> str:
    return json.dumps(croissant(descriptor), ensure_ascii=False, indent=2) + "\n"


def _cite_as(descriptor: dict[str, Any], creators: list[str]) -> str:
    return (
        f"@misc{{{descriptor['name']}_{descriptor['version'].replace('.', '_')},\n"
        f"  author = {{{' and '.join('{' + c + '}' for c in creators)}}},\n"
        f"  title = {{{descriptor['title']}}},\n"
        f"  version = {{{descriptor['version']}}},\n"
        f"  year = {{{descriptor['created'][:4]}}},\n"
        f"  note = {{Data license {descriptor['licenses'][0]['name']}}}\n}}"
    )


def _file_id(resource: dict[str, Any]) -> str:
    return resource["path"].rsplit("/", 1)[-1]


def _file_object(resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "@type": "cr:FileObject",
        "@id": _file_id(resource),
        "name": _file_id(resource),
        "description": f"Table {resource['name']} as Parquet.",
        "contentUrl": resource["path"],
        "contentSize": f"{resource['bytes']} B",
        "encodingFormat": PARQUET_ENCODING,
        "sha256": resource["hash"].removeprefix("sha256:"),
    }


def _record_set(resource: dict[str, Any]) -> dict[str, Any]:
    table = resource["name"]
    schema = resource["schema"]
    fields = []
    for f in schema["fields"]:
        field: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{table}/{f['name']}",
            "name": f["name"],
            "description": f["description"],
            "dataType": CROISSANT_TYPES[f["type"]],
            "source": {"fileObject": {"@id": _file_id(resource)}, "extract": {"column": f["name"]}},
        }
        fields.append(field)
    keys = [{"@id": f"{table}/{name}"} for name in schema["primaryKey"]]
    return {
        "@type": "cr:RecordSet",
        "@id": table,
        "name": table,
        "description": resource["description"],
        "key": keys[0] if len(keys) == 1 else keys,
        "field": fields,
    }
