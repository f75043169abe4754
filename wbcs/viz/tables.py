"""Tables of long texts for notebooks: one text a row, so JupyterLab does not squeeze them into a narrow column.

As columns side by side, Chinese posts wrapped at 2–5 characters a line in JupyterLab at 1400 px (notebook 06's
four texts; notebook 03's post beside eight label and probability columns, rows ~150 px tall).
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler


def one_text_per_row(frame: pd.DataFrame, item: list, texts: dict) -> Styler:
    """The long texts of ``frame``'s rows one under another, a row each named by ``texts`` ({column: name, a text or
    a Series of one per row}), under a cell that names the row by its ``item`` columns, one a line (the first as it
    is, the others "column: value"). Shown as they are: mask them first (``wbcs.text.mask_frame``)."""
    frame = frame.reset_index(drop=True)
    named = frame[item[0]].astype(str).str.cat([col + ": " + frame[col].astype(str) for col in item[1:]], sep="\n")
    long = pd.concat([pd.DataFrame({"item": named, "what": name if isinstance(name, str) else name.to_numpy(),
                                    "text": frame[col], "order": k}) for k, (col, name) in enumerate(texts.items())])
    long = long.rename_axis("row").sort_values(["row", "order"]).set_index(["item", "what"])[["text"]]
    # the names break only where they have a line of their own ("pre"): with "pre-line" the browser gave them the
    # width of their longest word beside the text's, and nb03's five labels took 15 lines a post
    return (long.style.format(na_rep="—", escape="html").format_index(escape="html").hide(names=True)
            .set_table_styles([{"selector": "th", "props": "white-space: pre; text-align: left; vertical-align: top"},
                               {"selector": "td", "props": "white-space: pre-line; text-align: left; vertical-align: top;"
                                                           " min-width: 24em"}]))


def quality_text(quality, missing: str = "—") -> str:
    """A reply's predicted quality (the dialogue-quality model's A/S/E mean, −2..2) as the reply desk shows it:
    signed, two decimals; ``missing`` without one (no quality model). Notebook 06 wrote it with two decimals in
    one section and three in another."""
    return missing if quality is None or pd.isna(quality) else f"{quality:+.2f}"
