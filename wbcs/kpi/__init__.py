"""KPI analytics: indicators (pandas and DuckDB engines), hot issues, posting norms.

``indicators`` is the pandas engine (``wbcs.kpi.indicators``); ``wbcs.kpi.duck.indicators``
gives the same numbers from DuckDB over Parquet files. Hot issues live in
``wbcs.kpi.hot``, the account posting norms in ``wbcs.kpi.norms``.
"""

from wbcs.kpi.indicators import indicators, post_kind

__all__ = ["indicators", "post_kind"]
