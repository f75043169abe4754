"""Reading users' exports and writing tables: every file wbcs reads or writes goes through here.

- ``wbcs.io.ingest``: format detection, header mapping and row checks of real exports
  (``read_table``, ``ingest``);
- ``wbcs.io.write``: the one safe writer (``write_table``, ``TableWriter``,
  ``check_outputs``, ``write_text``): formula-safe, PII-masked, atomic.
"""

from wbcs.io.ingest import (
    HEADER_ALIASES,
    IngestResult,
    ingest,
    parse_times,
    read_table,
    resolve_columns,
)
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

__all__ = ["HEADER_ALIASES", "WRITE_FORMATS", "IngestResult", "TableWriter", "atomic_path", "check_output",
           "check_outputs", "ingest", "output_format", "parse_times", "read_table", "resolve_columns",
           "write_table", "write_text"]
