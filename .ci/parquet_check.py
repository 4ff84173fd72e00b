"""Reads a `history query --format parquet` file with pyarrow and compares it with the CSV
export of the same query: same columns in the same order, same rows, same values, nulls where
the CSV cell is empty."""
import csv
import math
import sys

import pyarrow.parquet as pq

csv_path, parquet_path = sys.argv[1:3]
with open(csv_path, newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
table = pq.read_table(parquet_path)
assert table.column_names == header, (table.column_names, header)
assert table.num_rows == len(body) > 0, (table.num_rows, len(body))
assert str(table.schema.field("t").type) == "int64"
assert str(table.schema.field("venue").type) == "string"
columns = table.to_pydict()
checked = 0
for i, row in enumerate(body):
    assert columns["t"][i] == int(row[0])
    assert columns["venue"][i] == row[1] and columns["instrument"][i] == row[2]
    for name, cell in zip(header[3:], row[3:]):
        got = columns[name][i]
        if cell == "":
            assert got is None, (i, name, got)
        else:
            want = float(cell)
            assert got is not None and (got == want or math.isclose(got, want, rel_tol=1e-15)), (i, name, got, want)
            checked += 1
assert checked > 0, "no measured values to compare"
print(f"parquet check: {table.num_rows} rows, {checked} values equal to the CSV export")
