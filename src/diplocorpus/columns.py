"""What the documents read from a package's Parquet files: row counts from the files'
footers, and only the columns a number needs, never a whole table, so the data card and
the figures of a large corpus never hold its texts.

Dictionary-encoded columns come back as plain values: each row group of a file may carry
its own dictionary, and grouping or joining on plain values does not depend on them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def row_count(data_dir: Path, table: str) -> int:
    """Rows of data_dir/<table>.parquet, read from its footer."""
    return pq.ParquetFile(data_dir / f"{table}.parquet").metadata.num_rows


def read_columns(data_dir: Path, table: str, columns: list[str]) -> pa.Table:
    """The named columns of data_dir/<table>.parquet, dictionaries decoded."""
    read = pq.read_table(data_dir / f"{table}.parquet", columns=columns)
    plain = pa.schema(
        field.with_type(field.type.value_type) if pa.types.is_dictionary(field.type) else field
        for field in read.schema
    )
    return read.cast(plain)


def counts(table: pa.Table, keys: str | list[str]) -> Counter[Any]:
    """Rows per distinct value of the column `keys` (or per tuple of values of the columns
    `keys`), nulls a value of their own, as a Counter of Python values.

    >>> counts(pa.table({"kind": ["post", None, "post"]}), "kind")
    Counter({'post': 2, None: 1})
    >>> counts(pa.table({"a": ["x", "x"], "b": [1, 2]}), ["a", "b"])
    Counter({('x', 1): 1, ('x', 2): 1})
    """
    names = [keys] if isinstance(keys, str) else keys
    grouped = table.select(names).group_by(names).aggregate([([], "count_all")]).to_pylist()
    if isinstance(keys, str):
        return Counter({row[keys]: row["count_all"] for row in grouped})
    return Counter({tuple(row[key] for key in names): row["count_all"] for row in grouped})


def median(values: pa.Array | pa.ChunkedArray) -> int | float:
    """The median exactly as statistics.median gives it: the middle value, or the mean of the
    two middle values when there is an even number of them. `values` has no nulls.

    >>> median(pa.array([7, 1, 4])), median(pa.array([4, 1, 7, 2]))
    (4, 3.0)
    """
    n = len(values)
    if n == 0:
        raise ValueError("no median of no values")
    ordered = values.take(pc.sort_indices(values))
    middle = ordered[n // 2].as_py()
    return middle if n % 2 else (ordered[n // 2 - 1].as_py() + middle) / 2
