"""Custom functions the ``python`` operator tests import by name."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def bill_ratio(table: pa.Table) -> pa.Table:
    """Bill length over depth, per row, plus the species."""
    ratio = pc.divide(table.column("bill_length_mm"), table.column("bill_depth_mm"))
    return pa.table({"species": table.column("species"), "ratio": ratio})


def not_a_table(table: pa.Table) -> list[int]:
    """Returns the wrong type, to test the error."""
    return [table.num_rows]


def slow_species(table: pa.Table) -> pa.Table:
    """Species and body mass after a short pause: a node slow enough to watch run."""
    import time

    time.sleep(0.6)
    return table.select(["species", "body_mass_g"])
