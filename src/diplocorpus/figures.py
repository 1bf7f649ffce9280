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


# File name (under docs/figures/) -> (alt text, drawing function). Figures on tables the
# package does not have yet are added here when the tables are.
FIGURES: dict[str, tuple[str, Callable[[dict[str, pa.Table]], bytes]]] = {
    "records_per_source_language.png": ("Records per source and language", records_per_source_language),
    "reactions_per_post.png": ("Reactions per Telegram post", reactions_per_post),
}


def draw_figures(tables: dict[str, pa.Table]) -> dict[str, bytes]:
    """Every figure, as {path relative to the package directory: PNG bytes}."""
    return {f"{FIGURES_DIR}/{name}": draw(tables) for name, (_, draw) in FIGURES.items()}
