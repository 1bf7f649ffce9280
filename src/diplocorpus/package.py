"""Descriptive metadata of the corpus package, written into datapackage.json."""

from __future__ import annotations

from diplocorpus import __version__

NAME = "diplocorpus"
TITLE = "diplocorpus: Russian state diplomatic communication for French-speaking audiences"
DESCRIPTION = (
    "Posts of the Russian Foreign Ministry's and embassies' Telegram channels (in French "
    "and Russian) and articles of web sites that republish Russian state media in French, "
    "parsed from raw scrapes into normalized tables (sources, posts, reactions, parse "
    "issues). Every record points back to the raw lines it was read from."
)
CREATED = "2026-11-23T00:00:00Z"  # release date of this version; fixed so rebuilds are identical
LICENSES = [
    {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0 International: covers the compilation, "
        "structure and annotations; the quoted texts remain their publishers' own",
    }
]
CONTRIBUTORS = [{"title": "diplocorpus maintainers", "roles": ["creator"]}]
KEYWORDS = ["Telegram", "Russia", "diplomacy", "information operations", "French", "corpus"]
VERSION = __version__
