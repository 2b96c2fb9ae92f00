"""Arrow columns from numpy arrays, and the files of an extract written chunk by chunk.

Amounts are built as ``decimal128(18, 2)`` straight from integer fen (cents), so a CSV cell is
always plain digits with exactly two decimals (never ``1e+07``) and Parquet keeps exact values.
Each entity file is opened once and every chunk appends to it, so memory does not grow with
the scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from etl.contract import ENTITIES, LOAD_ORDER, ColType

Format = Literal["csv", "parquet"]

AMOUNT = pa.decimal128(18, 2)
RATE = pa.decimal128(9, 2)
ARROW_TYPES: dict[ColType, pa.DataType] = {
    ColType.TEXT: pa.string(),
    ColType.CODE: pa.string(),
    ColType.DATE: pa.date32(),
    ColType.AMOUNT: AMOUNT,
    ColType.INTEGER: pa.int32(),
    ColType.NUMBER: RATE,
    ColType.BOOLEAN: pa.bool_(),
}


def entity_schema(entity: str) -> pa.Schema:
    """The Arrow schema of a contract entity: canonical names in contract order."""
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.type], c.nullable) for c in ENTITIES[entity].columns]
    )


def _decimal(values: np.ndarray, dtype: pa.DataType) -> pa.Array:
    """A decimal array whose unscaled integers are ``values`` (fen for amounts)."""
    v = np.ascontiguousarray(values, dtype=np.int64)
    words = np.empty((len(v), 2), dtype=np.int64)  # 128-bit little endian: low word, sign word
    words[:, 0] = v
    words[:, 1] = v >> 63
    return pa.Array.from_buffers(dtype, len(v), [None, pa.py_buffer(words)])


def amounts(fen: np.ndarray) -> pa.Array:
    """Yuan amounts from integer fen."""
    return _decimal(fen, AMOUNT)


def rates(hundredths: np.ndarray) -> pa.Array:
    """Percentages with two decimals from integer hundredths of a percent."""
    return _decimal(hundredths, RATE)


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Dates from day numbers; ``null`` marks missing ones."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null)


def integers(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int32), type=pa.int32())


def booleans(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), type=pa.bool_())


def pick(
    pool: Sequence[str] | pa.Array, index: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """Strings of a pool (a code list or a vocabulary) by index; ``null`` marks missing ones."""
    arr = pool if isinstance(pool, pa.Array) else pa.array(list(pool), type=pa.string())
    return pc.take(arr, pa.array(np.asarray(index, dtype=np.int64), mask=null))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays (and literal strings)."""
    return pc.binary_join_element_wise(*parts, "")


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers such as ``L0000000123``: a prefix and a zero-padded number, built as bytes."""
    n = np.asarray(numbers, dtype=np.int64)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    chars = np.empty((len(n), len(head) + width), dtype=np.uint8)
    chars[:, : len(head)] = head
    chars[:, len(head) :] = (n[:, None] // powers) % 10 + ord("0")
    return pa.array(chars.view(f"S{chars.shape[1]}").ravel(), type=pa.string())


class TableFile:
    """One output file (CSV or Parquet) that batches are appended to."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: Format) -> None:
        self.schema = schema
        self.rows = 0
        if fmt == "csv":
            self._sink = pa.OSFile(str(path), "wb")
            # A plain header line: Arrow would quote the names, and no cell here needs quotes.
            self._sink.write((",".join(schema.names) + "\n").encode())
            options = pcsv.WriteOptions(include_header=False, quoting_style="none")
            self._writer: pcsv.CSVWriter | pq.ParquetWriter = pcsv.CSVWriter(
                self._sink, schema, write_options=options
            )
        else:
            self._sink = None
            self._writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, columns: dict[str, pa.Array]) -> None:
        """Append rows given as one array per column (all columns of the schema)."""
        if set(columns) != set(self.schema.names):
            missing = set(self.schema.names) ^ set(columns)
            raise ValueError(f"columns do not match the schema: {sorted(missing)}")
        table = pa.table([columns[n] for n in self.schema.names], schema=self.schema)
        if table.num_rows:
            self._writer.write_table(table)
            self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        if self._sink is not None:
            self._sink.close()


class ExtractWriter:
    """All entity files of one extract folder, open for appending; a context manager."""

    def __init__(self, out: Path, fmt: Format) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.files = {
            name: TableFile(out / f"{name}.{fmt}", entity_schema(name), fmt) for name in LOAD_ORDER
        }

    def write(self, entity: str, columns: dict[str, pa.Array]) -> None:
        self.files[entity].write(columns)

    @property
    def rows(self) -> dict[str, int]:
        return {name: f.rows for name, f in self.files.items()}

    def __enter__(self) -> ExtractWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for f in self.files.values():
            f.close()
