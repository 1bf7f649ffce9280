"""Descriptive metadata of the corpus package: the one place it is written.

datapackage.json, CITATION.cff, .zenodo.json and croissant.json are generated from
these constants; a test holds pyproject.toml and the LICENSE file in agreement.
"""

from __future__ import annotations

from diplocorpus import __version__

NAME = "diplocorpus"
TITLE = "diplocorpus: Russian state diplomatic communication for French-speaking audiences"
# One sentence: pyproject.toml's description, and the first sentence of DESCRIPTION.
SUMMARY = (
    "A citable corpus of Russian state diplomatic communication aimed at French-speaking "
    "audiences, built from raw scrapes into a validated Frictionless data package."
)
DESCRIPTION = (
    f"{SUMMARY} "
    "Posts of the Russian Foreign Ministry's and embassies' Telegram channels (in French "
    "and Russian) and articles of web sites that republish Russian state media in French, "
    "parsed from raw scrapes into normalized tables (sources, posts, reactions, parse "
    "issues). Every record points back to the raw lines it was read from."
)
CREATED = "2026-11-23T00:00:00Z"  # release date of this version; fixed so rebuilds are identical
VERSION = __version__

# The data and the code are licensed apart: the package's data under CC-BY-4.0, the
# software that builds it (pyproject.toml, LICENSE) under MIT. Neither covers the posts
# and articles themselves, which belong to their publishers.
DATA_LICENSE = "CC-BY-4.0"
CODE_LICENSE = "MIT"
LICENSES = [
    {
        "name": DATA_LICENSE,
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0 International: covers the compilation, "
        "structure and annotations; the quoted texts remain their publishers' own",
    }
]
RIGHTS_NOTE = (
    f"The data license ({DATA_LICENSE}) covers the compilation, the table structure and the "
    "annotations made by the build (ids, spans, languages, hashes, parse issues). The texts "
    "of the posts and articles belong to their publishers and are not relicensed. The "
    f"software that builds the package is under the {CODE_LICENSE} license."
)
CONTRIBUTORS = [{"title": "diplocorpus maintainers", "roles": ["creator"]}]
KEYWORDS = ["Telegram", "Russia", "diplomacy", "information operations", "French", "corpus"]
# Languages of the records (ISO 639-1); a test holds posts.language within them.
LANGUAGES = ["fr", "ru"]

# Works the package's data card follows, related to the deposit by DOI.
REFERENCES = [
    {"doi": "10.1145/3458723", "title": "Gebru et al., Datasheets for Datasets (2021)"},
    {
        "doi": "10.1162/tacl_a_00041",
        "title": "Bender and Friedman, Data Statements for Natural Language Processing (2018)",
    },
]
