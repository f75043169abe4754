"""Reading users' exports and writing tables: every file wbcs reads or writes goes through here.

- ``wbcs.io.read``: format detection and bounded, chunked reading (``open_table``,
  ``read_table``);
- ``wbcs.io.headers``: which column of an export is which column of the posts table;
- ``wbcs.io.times``: time cells, Weibo's relative forms, the plausible range;
- ``wbcs.io.ingest``: row checks and rejects (``ingest``, ``ingest_to``);
- ``wbcs.io.write``: the one safe writer (``write_table``, ``TableWriter``,
  ``check_outputs``, ``write_text``): formula-safe, PII-masked, atomic.
"""

from wbcs.io.headers import EXTRA_COLUMNS, HEADER_ALIASES, find_column, resolve_columns
from wbcs.io.ingest import IngestResult, ingest, ingest_to, read_posts
from wbcs.io.read import open_table, read_table
from wbcs.io.times import parse_times, read_time_cells
from wbcs.io.write import (
    WRITE_FORMATS,
    TableWriter,
    atomic_path,
    check_output,
    check_outputs,
    output_format,
    write_table,
    write_text,
)

__all__ = ["EXTRA_COLUMNS", "HEADER_ALIASES", "WRITE_FORMATS", "IngestResult", "TableWriter", "atomic_path",
           "check_output", "check_outputs", "find_column", "ingest", "ingest_to", "open_table", "output_format",
           "parse_times", "read_posts", "read_table", "read_time_cells", "resolve_columns", "write_table", "write_text"]
