"""Figures of the data card, drawn from the Parquet files of a package as PNG bytes.

Drawn with matplotlib's Agg canvas (no pyplot, no display) and saved without the
software tag, so the same tables give byte-identical files with the same matplotlib.
Counts come from the few columns each figure needs (see columns.py). A figure with one
bar per source shows at most MOST_BARS of them, the largest, and says so in its title;
beyond MOST_POST_BARS posts, the reactions under the posts are drawn as one filled outline
per source, of the highest sum in each run of consecutive posts, instead of one bar per
post finer than a pixel.
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from diplocorpus.columns import counts, read_columns

FIGURES_DIR = "docs/figures"
NO_LANGUAGE = "none (service)"
# Colour-blind-safe palette (Okabe and Ito), in a fixed order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# Bars (sources, or sources and languages) a figure shows at most, so it stays readable.
MOST_BARS = 30
# Telegram sources the reactions figure shows at most: one colour each.
MOST_SERIES = len(PALETTE)
# Beyond this many posts, one bar per post is finer than the figure's pixels.
MOST_POST_BARS = 2_000


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def largest(totals: dict[str, int], order: list[str], most: int) -> list[str]:
    """The keys in `order`; when there are more than `most`, only the `most` with the largest
    totals (the earlier in `order` first among equals), still in `order`.

    >>> largest({"a": 1, "b": 5, "c": 3}, ["a", "b", "c"], 2)
    ['b', 'c']
    """
    if len(order) <= most:
        return order
    position = {key: i for i, key in enumerate(order)}
    kept = set(sorted(order, key=lambda key: (-totals.get(key, 0), position[key]))[:most])
    return [key for key in order if key in kept]


def _of_most(shown: int, total: int, what: str) -> str:
    """The line a title adds when the figure leaves some bars out.

    >>> _of_most(30, 120, "sources with most records")
    '\\n(the 30 sources with most records, of 120)'
    """
    return "" if shown == total else f"\n(the {shown} {what}, of {total})"


def records_per_source_language(data_dir: Path) -> bytes:
    """Stacked horizontal bars: records of each source, split by the language of the text."""
    per_source: dict[str, Counter[str]] = defaultdict(Counter)
    posts = read_columns(data_dir, "posts", ["source_id", "language"])
    for (source, language), n in counts(posts, ["source_id", "language"]).items():
        per_source[source][language or NO_LANGUAGE] += n
    every_source = read_columns(data_dir, "sources", ["source_id"])["source_id"].to_pylist()
    shown = largest({s: c.total() for s, c in per_source.items()}, every_source, MOST_BARS)
    sources = shown[::-1]
    languages = sorted({lang for s in sources for lang in per_source[s]}, key=lambda x: (x == NO_LANGUAGE, x))
    figure = _figure(7, 0.5 * len(sources) + 1.6)
    axes = figure.add_subplot()
    left = [0] * len(sources)
    for i, language in enumerate(languages):
        widths = [per_source[s][language] for s in sources]
        axes.barh(sources, widths, left=left, label=language, color=PALETTE[i % len(PALETTE)])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in enumerate(left):
        axes.annotate(str(total), (total, y), xytext=(3, 0), textcoords="offset points", va="center")
    axes.set_xlabel("records (posts, articles, service records)")
    axes.set_title(
        "Records per source and language"
        + _of_most(len(shown), len(every_source), "sources with most records")
    )
    axes.set_xlim(0, max(left, default=1) * 1.12 + 1)
    axes.legend(title="language", loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def reactions_per_post(data_dir: Path) -> bytes:
    """Bars: sum of the reaction counts under each Telegram post, in raw order, per source."""
    totals = (
        read_columns(data_dir, "reactions", ["post_id", "count"])
        .group_by("post_id")
        .aggregate([("count", "sum")])
    )
    posts = read_columns(data_dir, "posts", ["post_id", "source_id", "kind"])
    posts = posts.filter(pc.equal(posts["kind"], "post"))
    # Each post's sum in the order of the posts table (the raw order within a source), 0 for none.
    where = pc.index_in(posts["post_id"], value_set=totals["post_id"].combine_chunks())
    sums = pc.fill_null(totals["count_sum"].take(where), 0)
    posts_per_source = counts(posts, "source_id")
    sources = largest(posts_per_source, sorted(posts_per_source), MOST_SERIES)
    shown = sum(posts_per_source[s] for s in sources)
    many = shown > MOST_POST_BARS
    step = math.ceil(shown / MOST_POST_BARS)
    figure = _figure(7, 3.2)
    axes = figure.add_subplot()
    x = 0
    ticks = []
    for i, source in enumerate(sources):
        values = sums.filter(pc.equal(posts["source_id"], source))
        positions = list(range(x, x + len(values)))
        label, color = f"{source} ({len(values)} posts)", PALETTE[i % len(PALETTE)]
        if many:
            starts, heights = _envelope(values.to_numpy(), step)
            axes.fill_between(x + starts, heights, step="post", color=color, label=label, linewidth=0)
        else:
            axes.bar(positions, values.to_pylist(), color=color, label=label)
        ticks.append((positions[0] + positions[-1]) / 2)
        x += len(values) + 2
    axes.set_xticks(ticks, sources)
    axes.set_ylabel("sum of reaction counts")
    axes.set_title(
        "Reactions per Telegram post, in the order of the raw file"
        + _of_most(len(sources), len(posts_per_source), "Telegram sources with most posts")
    )
    axes.legend(loc="upper right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def _envelope(values: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of `step` consecutive posts starts (and, last, where the posts end), and
    the highest value of each run (the last repeated): the outline that bars narrower than a
    pixel would draw.

    >>> _envelope(np.array([1, 5, 2, 0, 3]), 2)
    (array([0, 2, 4, 5]), array([5, 2, 3, 3]))
    """
    padded = np.pad(values, (0, -len(values) % step))
    highest = padded.reshape(-1, step).max(axis=1)
    starts = np.arange(0, len(padded), step)
    return np.append(starts, len(values)), np.append(highest, highest[-1])


def _linked_mentions(data_dir: Path) -> tuple[dict[str, int], dict[str, str]]:
    catalog = read_columns(data_dir, "entity_catalog", ["entity_id", "label_en"])
    labels = dict(zip(catalog["entity_id"].to_pylist(), catalog["label_en"].to_pylist(), strict=True))
    mentions = counts(read_columns(data_dir, "entities", ["entity_id"]), "entity_id")
    return {entity_id: n for entity_id, n in mentions.items() if entity_id}, labels


def top_entities(data_dir: Path, top: int = 15) -> bytes:
    """Horizontal bars: the catalogue entries most mentioned, by mentions linked to them."""
    mentions, labels = _linked_mentions(data_dir)
    ranked = sorted(mentions.items(), key=lambda item: (-item[1], item[0]))[:top][::-1]
    figure = _figure(8, 0.3 * len(ranked) + 1.4)
    axes = figure.add_subplot()
    names = [labels.get(entity_id, entity_id) for entity_id, _ in ranked]
    axes.barh(names, [n for _, n in ranked], color=PALETTE[0])
    for y, (_, n) in enumerate(ranked):
        axes.annotate(str(n), (n, y), xytext=(3, 0), textcoords="offset points", va="center")
    axes.set_xlabel("mentions linked to the entry")
    axes.set_xlim(0, max((n for _, n in ranked), default=1) * 1.15)
    figure.suptitle(f"The {len(ranked)} entities of the catalogue mentioned most")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def translation_coverage(data_dir: Path) -> bytes:
    """Stacked bars per source: posts in each language, split by their part in a translation
    pair (original, translation, neither)."""
    pairs = read_columns(data_dir, "translations", ["source_post_id", "target_post_id"])
    posts = read_columns(data_dir, "posts", ["post_id", "source_id", "kind", "language"])
    posts = posts.filter(pc.not_equal(posts["kind"], "service"))
    original = pc.is_in(posts["post_id"], value_set=pc.unique(pairs["source_post_id"]))
    translation = pc.is_in(posts["post_id"], value_set=pc.unique(pairs["target_post_id"]))
    role = pc.if_else(original, "original", pc.if_else(translation, "translation", "no pair"))
    per_group: dict[str, Counter[str]] = defaultdict(Counter)
    for (source, language, part), n in counts(
        posts.append_column("role", role), ["source_id", "language", "role"]
    ).items():
        per_group[f"{source} {language}"][part] += n
    every_group = sorted(per_group)
    groups = largest({g: c.total() for g, c in per_group.items()}, every_group, MOST_BARS)[::-1]
    figure = _figure(7, 0.4 * len(groups) + 1.6)
    axes = figure.add_subplot()
    left = [0] * len(groups)
    for i, part in enumerate(("original", "translation", "no pair")):
        widths = [per_group[g][part] for g in groups]
        axes.barh(groups, widths, left=left, label=part, color=PALETTE[i])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_xlabel("posts and articles")
    axes.set_title(
        "Translation pairs: posts per source and language"
        + _of_most(len(groups), len(every_group), "sources and languages with most posts")
    )
    axes.set_xlim(0, max(left, default=1) * 1.1 + 1)
    axes.legend(loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


# File name (under docs/figures/) -> (alt text, drawing function).
FIGURES: dict[str, tuple[str, Callable[[Path], bytes]]] = {
    "records_per_source_language.png": ("Records per source and language", records_per_source_language),
    "reactions_per_post.png": ("Reactions per Telegram post", reactions_per_post),
    "top_entities.png": ("Most mentioned entities of the catalogue", top_entities),
    "translation_coverage.png": (
        "Posts per source and language by their part in a translation pair",
        translation_coverage,
    ),
}


def draw_figures(data_dir: Path) -> dict[str, bytes]:
    """Every figure, drawn from the tables in `data_dir` (a package's data/ folder), as
    {path relative to the package directory: PNG bytes}."""
    return {f"{FIGURES_DIR}/{name}": draw(data_dir) for name, (_, draw) in FIGURES.items()}
