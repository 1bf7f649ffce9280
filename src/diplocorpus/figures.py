"""Figures of the data card, drawn from the built tables as PNG bytes.

Drawn with matplotlib's Agg canvas (no pyplot, no display) and saved without the
software tag, so the same tables give byte-identical files with the same matplotlib.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Callable

import pyarrow as pa

FIGURES_DIR = "docs/figures"
NO_LANGUAGE = "none (service)"
# Colour-blind-safe palette (Okabe and Ito), in a fixed order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


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


def records_per_source_language(tables: dict[str, pa.Table]) -> bytes:
    """Stacked horizontal bars: records of each source, split by the language of the text."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for post in tables["posts"].select(["source_id", "language"]).to_pylist():
        counts[post["source_id"]][post["language"] or NO_LANGUAGE] += 1
    sources = [s for s in tables["sources"].column("source_id").to_pylist()][::-1]
    languages = sorted({lang for c in counts.values() for lang in c}, key=lambda x: (x == NO_LANGUAGE, x))
    figure = _figure(7, 0.5 * len(sources) + 1.6)
    axes = figure.add_subplot()
    left = [0] * len(sources)
    for i, language in enumerate(languages):
        widths = [counts[s][language] for s in sources]
        axes.barh(sources, widths, left=left, label=language, color=PALETTE[i % len(PALETTE)])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in enumerate(left):
        axes.annotate(str(total), (total, y), xytext=(3, 0), textcoords="offset points", va="center")
    axes.set_xlabel("records (posts, articles, service records)")
    axes.set_title("Records per source and language")
    axes.set_xlim(0, max(left, default=1) * 1.12 + 1)
    axes.legend(title="language", loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def reactions_per_post(tables: dict[str, pa.Table]) -> bytes:
    """Bars: sum of the reaction counts under each Telegram post, in raw order, per source."""
    totals: Counter[str] = Counter()
    for reaction in tables["reactions"].select(["post_id", "count"]).to_pylist():
        totals[reaction["post_id"]] += reaction["count"]
    by_source: dict[str, list[int]] = defaultdict(list)
    for post in tables["posts"].select(["post_id", "source_id", "kind"]).to_pylist():
        if post["kind"] == "post":
            by_source[post["source_id"]].append(totals[post["post_id"]])
    sources = sorted(by_source)
    figure = _figure(7, 3.2)
    axes = figure.add_subplot()
    x = 0
    ticks = []
    for i, source in enumerate(sources):
        values = by_source[source]
        positions = list(range(x, x + len(values)))
        axes.bar(positions, values, color=PALETTE[i % len(PALETTE)], label=f"{source} ({len(values)} posts)")
        ticks.append((positions[0] + positions[-1]) / 2)
        x += len(values) + 2
    axes.set_xticks(ticks, sources)
    axes.set_ylabel("sum of reaction counts")
    axes.set_title("Reactions per Telegram post, in the order of the raw file")
    axes.legend(loc="upper right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


def _linked_mentions(tables: dict[str, pa.Table]) -> tuple[Counter[str], dict[str, str]]:
    labels = {
        r["entity_id"]: r["label_en"]
        for r in tables["entity_catalog"].select(["entity_id", "label_en"]).to_pylist()
    }
    counts = Counter(
        e["entity_id"] for e in tables["entities"].select(["entity_id"]).to_pylist() if e["entity_id"]
    )
    return counts, labels


def top_entities(tables: dict[str, pa.Table], top: int = 15) -> bytes:
    """Horizontal bars: the catalogue entries most mentioned, by mentions linked to them."""
    counts, labels = _linked_mentions(tables)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top][::-1]
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


def translation_coverage(tables: dict[str, pa.Table]) -> bytes:
    """Stacked bars per source: posts in each language, split by their part in a translation
    pair (original, translation, neither)."""
    pairs = tables["translations"].select(["source_post_id", "target_post_id"]).to_pylist()
    originals = {p["source_post_id"] for p in pairs}
    translations = {p["target_post_id"] for p in pairs}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for post in tables["posts"].select(["post_id", "source_id", "kind", "language"]).to_pylist():
        if post["kind"] == "service":
            continue
        role = (
            "original"
            if post["post_id"] in originals
            else "translation"
            if post["post_id"] in translations
            else "no pair"
        )
        counts[f"{post['source_id']} {post['language']}"][role] += 1
    groups = sorted(counts)[::-1]
    figure = _figure(7, 0.4 * len(groups) + 1.6)
    axes = figure.add_subplot()
    left = [0] * len(groups)
    for i, role in enumerate(("original", "translation", "no pair")):
        widths = [counts[g][role] for g in groups]
        axes.barh(groups, widths, left=left, label=role, color=PALETTE[i])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_xlabel("posts and articles")
    axes.set_title("Translation pairs: posts per source and language")
    axes.set_xlim(0, max(left, default=1) * 1.1 + 1)
    axes.legend(loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return _png(figure)


# File name (under docs/figures/) -> (alt text, drawing function).
FIGURES: dict[str, tuple[str, Callable[[dict[str, pa.Table]], bytes]]] = {
    "records_per_source_language.png": ("Records per source and language", records_per_source_language),
    "reactions_per_post.png": ("Reactions per Telegram post", reactions_per_post),
    "top_entities.png": ("Most mentioned entities of the catalogue", top_entities),
    "translation_coverage.png": (
        "Posts per source and language by their part in a translation pair",
        translation_coverage,
    ),
}


def draw_figures(tables: dict[str, pa.Table]) -> dict[str, bytes]:
    """Every figure, as {path relative to the package directory: PNG bytes}."""
    return {f"{FIGURES_DIR}/{name}": draw(tables) for name, (_, draw) in FIGURES.items()}
