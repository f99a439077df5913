"""A small read-only table of dataclass rows (pandas is not a dependency)."""

import dataclasses
import math

__all__ = ["RecordTable"]


def _format_value(value, is_score):
    """A cell as text: 4 decimals in the columns declared ``float`` (scores,
    rates), the value as it is elsewhere (labels, which may be floats too)."""
    if is_score and isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4f}"
    return str(_plain(value))


def _is_score_field(field):
    return field.type in (float, "float")


class RecordTable(tuple):
    """A tuple of dataclass rows that prints as an aligned text table.

    It behaves as a plain tuple (``len``, indexing, iteration) and adds:
    ``columns``, :meth:`to_records` (a list of dicts, JSON-ready) and
    :meth:`to_columns` (a dict of lists: ``pandas.DataFrame(table.to_columns())``).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> from sklearn_emnist.metrics import RecordTable
    >>> @dataclass(frozen=True)
    ... class Row:
    ...     name: str
    ...     score: float
    >>> table = RecordTable([Row("a", 0.5), Row("b", 0.25)])
    >>> print(table)
    name   score
       a  0.5000
       b  0.2500
    >>> table.to_columns()
    {'name': ['a', 'b'], 'score': [0.5, 0.25]}
    """

    def __new__(cls, rows=(), columns=None):
        rows = tuple(rows)
        for row in rows:
            if not dataclasses.is_dataclass(row):
                raise TypeError(f"RecordTable rows must be dataclass instances, got {row!r}.")
        self = super().__new__(cls, rows)
        if columns is None:
            columns = tuple(f.name for f in dataclasses.fields(rows[0])) if rows else ()
        self._columns = tuple(columns)
        return self

    @property
    def columns(self):
        """Names of the columns, in order."""
        return self._columns

    def to_records(self):
        """The rows as a list of dicts (plain Python types, JSON-ready)."""
        return [{name: _plain(getattr(row, name)) for name in self._columns} for row in self]

    def to_columns(self):
        """The table as a dict of column name -> list of values."""
        return {name: [_plain(getattr(row, name)) for row in self] for name in self._columns}

    def __getitem__(self, index):
        result = super().__getitem__(index)
        if isinstance(index, slice):
            return RecordTable(result, columns=self._columns)
        return result

    def __str__(self):
        if not self._columns:
            return "(empty table)"
        score_fields = {}  # per row class: which of its fields are scores
        cells = [list(self._columns)]
        for row in self:
            if type(row) not in score_fields:
                score_fields[type(row)] = {field.name: _is_score_field(field)
                                           for field in dataclasses.fields(row)}
            is_score = score_fields[type(row)]
            cells.append([_format_value(getattr(row, name), is_score.get(name, True))
                          for name in self._columns])
        widths = [max(len(line[i]) for line in cells) for i in range(len(self._columns))]
        lines = ["  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells]
        return "\n".join(line.rstrip() for line in lines)

    def __repr__(self):
        return f"RecordTable({list(self)!r})"


def _plain(value):
    """numpy scalars -> Python scalars, so that json.dumps works."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value
