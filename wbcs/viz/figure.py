"""The one place every wbcs figure is finished, and where figures are written to files.

Every public figure function of ``wbcs.viz`` is decorated with ``@figure``: its result goes
through ``finish``, which

- writes every time as a plotly date string. A ``go.FigureWidget`` sends a
  ``datetime64[ns]`` array through ``plotly.serializers._py_to_js`` as ``ndarray.tolist()``,
  i.e. as nanosecond integers, and the browser draws the axis as ``1.7×10¹⁸``; strings are
  dates in every renderer (widget, notebook output, HTML file, PNG);
- makes label text plain text. plotly reads its labels as pseudo-HTML, so a province or
  topic named ``<a href=…>`` became a link and ``<b style=…>`` restyled an axis. Every ``<``
  that does not open one of the bare tags the charts use themselves (``<br>``, ``<b>``,
  ``<i>``, ``<sup>``, ``<sub>``, ``<extra>``) is written ``&lt;``, which plotly shows as ``<``.
  It applies to every string of the figure (data, names, hover templates, titles,
  annotations) because plotly.express copies data values into names and hover templates;
- sets a font list that has Chinese glyphs in browsers and in kaleido's headless Chromium.

``write_figures`` saves figures as HTML (plotly.js written once per folder, beside them) or,
through kaleido, as PNG or SVG.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wbcs.errors import InputError

TEMPLATE = "plotly_white"
FONT = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif'
FORMATS = ("html", "png", "svg")
# a '<' that does not open (or close) one of the bare tags the charts write themselves
_UNSAFE_LT = re.compile(r"<(?!/?(?:br|b|i|sup|sub|extra)\s*/?>)", re.IGNORECASE)


def safe_text(text: str) -> str:
    """``text`` as plotly shows it literally: ``<a href="x">`` → ``&lt;a href="x">``."""
    return _UNSAFE_LT.sub("&lt;", text)


def _dates(values) -> np.ndarray:
    """Times as 'YYYY-MM-DD HH:MM:SS' strings (wall-clock time for tz-aware ones), None for NaT."""
    index = pd.DatetimeIndex(values) if not isinstance(values, pd.DatetimeIndex) else values
    text = index.strftime("%Y-%m-%d %H:%M:%S")
    return np.array([None if pd.isna(v) else v for v in text], dtype=object)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return _dates(value.ravel()).reshape(value.shape)
        if value.dtype.kind in "US":
            return np.array([safe_text(str(v)) for v in value.ravel()], dtype=object).reshape(value.shape)
        if value.dtype.kind == "O":
            flat = value.ravel()
            if len(flat) and all(isinstance(v, pd.Timestamp) or v is None or v is pd.NaT for v in flat):
                return _dates(flat).reshape(value.shape)
            return np.array([_clean(v) for v in flat], dtype=object).reshape(value.shape)
    return value


def finish(fig: go.Figure) -> go.Figure:
    """``fig`` with dates as strings, label text made literal and the CJK font list (see above)."""
    # the traces' own properties, not fig.to_dict(): that packs numeric arrays as base64 blobs
    spec = {"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()}
    layout = spec["layout"]
    font = layout.setdefault("font", {})
    font.setdefault("family", FONT)
    return go.Figure(_clean(spec))


def figure(fn: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Decorator: the figure ``fn`` returns, ``finish``-ed."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> go.Figure:
        return finish(fn(*args, **kwargs))
    return wrapper


def count_ticks(largest: float) -> dict:
    """An axis (or colorbar) of counts up to ``largest``: whole numbers only. On a scale up to a few posts plotly
    steps by 0.2 or 0.5, and ",d" wrote 0 0 0 1 1 1."""
    return {"tickformat": ",d", **({"tick0": 0, "dtick": 1} if largest < 10 else {})}


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


# One measure of a line's width, for sizing a figure, spacing ticks and wrapping titles: a CJK character 1.1 em, anything
# else 0.6 em. Wider than fonts draw either (Chromium's Noto Sans CJK draws the report's titles at ~0.92 em a CJK
# character and ~0.46 em a Latin one): slack for capitals and digits and for a reader's other font
WIDE_EM, NARROW_EM = 1.1, 0.6
SUP_SCALE, LINE_SPACING = 0.7, 1.3  # plotly.js draws <sup> at 70 % and spaces lines 1.3 em


def ems(text: str) -> float:
    """Width of one line of ``text`` in em (``WIDE_EM``, ``NARROW_EM``); tags take none (plotly does not wrap a
    title or a tick, so a figure is sized and a title wrapped by it)."""
    plain = re.sub(r"<[^>]*>", "", text)
    wide = sum(map(_wide, plain))
    return WIDE_EM * wide + NARROW_EM * (len(plain) - wide)


def text_width(text: str, size: float = 14) -> float:
    """Width in pixels of one line of ``text`` at font ``size`` (``ems``)."""
    return size * ems(text)


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_WHOLE_TAG = re.compile(r"^<(sup|sub|b|i)>(.*)</\1>$", re.IGNORECASE | re.DOTALL)


def _wrap_words(text: str, budget: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if ems(word) > budget:  # a line of its own, cut where it fills one
            pieces = [""]
            for ch in re.findall(r"&\w+;|.", word):
                pieces[-1:] = [pieces[-1] + ch] if ems(pieces[-1] + ch) <= budget else [pieces[-1], ch]
            lines += [line] * bool(line) + pieces[:-1]
            line = pieces[-1]
        elif line and ems(f"{line} {word}") > budget:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] * bool(line)


def wrap_line(text: str, budget: float) -> list[str]:
    """``text`` in lines of at most ``budget`` em (``ems``). Broken first where a title's parts meet
    (`` · ``, `` — ``; the mark is left out at a break), so a detail such as "· n = 9 posts" starts a line of
    its own; then at spaces; a word wider than a line (a run of Chinese has no spaces) between its characters,
    an entity (``&lt;``) kept whole."""
    parts = re.split(r" ([·—]) ", text)
    lines = _wrap_words(parts[0], budget)
    for mark, part in zip(parts[1::2], parts[2::2], strict=True):
        if lines and ems(joined := f"{lines[-1]} {mark} {part}") <= budget:
            lines[-1] = joined
        else:
            lines += _wrap_words(part, budget)
    return lines


def fit_title(fig: go.Figure, width: float) -> go.Figure:
    """``fig`` with every line of its title that would be wider than a chart ``width`` px wide wrapped
    (plotly does not wrap a title, and the browser cut it at the chart's edge), and the top margin and
    the height grown by the lines added, so the plot keeps its size and the title stays clear of it.

    A line wholly in ``<sup>`` (a subtitle) is measured at its smaller size, and so is each of its pieces. The title is
    taken to start at its ``x`` (the template's 0.05 of the width) and to run to the chart's right edge."""
    title = fig.layout.title
    if not title.text:
        return fig
    x = title.x if title.x is not None else (fig.layout.template.layout.title.x or 0.05)
    size = title.font.size or round(1.4 * (fig.layout.font.size or 12))  # plotly.js's default: 1.4 × the font
    lines, added = [], 0.0
    for line in _BREAK.split(title.text):
        whole = _WHOLE_TAG.match(line)
        tag, inner = whole.groups() if whole else ("", line)
        line_size = size * (SUP_SCALE if tag.lower() in ("sup", "sub") else 1)
        wrapped = wrap_line(inner, max(WIDE_EM, width * (1 - x) / line_size))  # a character fits a line
        lines += [f"<{tag}>{w}</{tag}>" if tag else w for w in wrapped]
        added += (len(wrapped) - 1) * LINE_SPACING * line_size
    if not added:
        return fig
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 100  # plotly's defaults
    height = fig.layout.height or 450
    update = {"title_text": "<br>".join(lines), "margin_t": top + added, "height": height + added}
    if title.yref == "container" and title.y is not None:  # hung from the top: as far from it as before
        update["title_y"] = 1 - (1 - title.y) * height / (height + added)
    return fig.update_layout(**update)


def write_figures(figures: dict[str, go.Figure], folder: str | Path, *, format: str = "html") -> list[Path]:
    """Save each figure as ``folder/NAME.FORMAT``.

    ``html``: one ``plotly.min.js`` in the folder, which every page loads from beside it (the
    folder opens offline; move it whole). ``png``/``svg``: drawn by kaleido in a headless
    Chromium (``/usr/bin/chromium`` or Chrome; ``apt-get install chromium`` if none)."""
    if format not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, got {format!r}")
    from wbcs.io.write import check_outputs, new_temp, write_text

    folder = Path(folder)
    paths = [folder / f"{name}.{format}" for name in figures]
    check_outputs(paths, formats=None)  # every page writable before the first is replaced
    folder.mkdir(parents=True, exist_ok=True)
    if format == "html":  # written atomically: a killed run left a page or plotly.min.js cut short
        from plotly.offline import get_plotlyjs

        bundle, js = folder / "plotly.min.js", get_plotlyjs()
        if not bundle.is_file() or bundle.read_text(encoding="utf-8") != js:
            write_text(bundle, js)
        for (name, fig), path in zip(figures.items(), paths, strict=True):  # the page's id, not a random uuid4
            write_text(path, fig.to_html(include_plotlyjs="directory", full_html=True, div_id=f"chart-{name}"))
        return paths
    import os
    import shutil

    import plotly.io as pio

    # Drawn into a folder beside the outputs and renamed onto them once all exist. Checked
    # file by file: kaleido hands a chart's error (its 90 s browser timeout on a busy machine)
    # back to plotly, which drops it, so a chart can be missing without an exception. A
    # missing one gets a second try before it is an error.
    # (named after this process, so a killed run's folder is removed by the next: new_temp)
    tmp = new_temp(folder / "charts", folder=True)
    try:
        drawn = [tmp / p.name for p in paths]
        for _ in range(2):
            todo = [(fig, d) for fig, d in zip(figures.values(), drawn, strict=True) if not d.exists()]
            if not todo:
                break
            try:
                pio.write_images([fig for fig, _ in todo], [d for _, d in todo], format=format)
            except (RuntimeError, ValueError) as e:  # kaleido missing, or no browser for it
                raise InputError(f"cannot write {format.upper()} charts: {e}; install kaleido (pip install "
                                 "kaleido) and Chromium (apt-get install chromium), or use --format html") from None
        missing = [d.name for d in drawn if not d.exists()]
        if missing:
            raise InputError(f"cannot write {', '.join(missing)}: the headless browser drew nothing (twice; on a busy "
                             "machine it can time out): try again, or use --format html")
        for d, p in zip(drawn, paths, strict=True):
            os.replace(d, p)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return paths
