"""Widget pieces shared by the ipywidgets apps of ``wbcs.viz``."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
import plotly.graph_objects as go

Content = go.Figure | str | Callable[[], go.Figure | str]


class FigureTabs:
    """A ``Tab`` of named plotly figures, each shown as a ``go.FigureWidget``.

    Figures are widgets here, not ``fig.show()`` captured by an ``ipywidgets.Output``: with
    captured displays, headless runners (Voilà, nbclient) answer every captured output with a
    message back to the kernel, and a cell drawing several of them sometimes never finished
    (Voilà hung in 2 of 5 runs of seven captured charts; with FigureWidgets in 0 of 4).

    Only the tab on screen is drawn: ``show`` takes figures, reasons (a str: why a tab has no
    figure) or functions that make either, and a tab's content is made and sent to the
    browser when the tab is opened. The first chart of a dashboard then costs one figure,
    not seven (and plotly cannot size a chart inside a hidden tab anyway).
    """

    def __init__(self, titles: dict[str, str]):
        self.slots = {name: w.Box() for name in titles}
        self.widget = w.Tab(children=list(self.slots.values()), titles=tuple(titles.values()))
        self.widget.selected_index = 0
        self._pending: dict[str, Content] = {}
        self._made: dict[str, go.Figure | str] = {}
        self.widget.observe(lambda change: self._draw(self._name(change["new"])), names="selected_index")

    def add(self, name: str, title: str) -> None:
        """A new, empty tab at the end."""
        titles = tuple(self.widget.titles)
        self.slots[name] = w.Box()
        self.widget.children = list(self.slots.values())
        self.widget.titles = (*titles, title)

    def _name(self, index) -> str | None:
        return list(self.slots)[index] if index is not None and 0 <= index < len(self.slots) else None

    def show(self, figs: dict[str, Content]) -> None:
        """Put each content in its tab (tabs not named keep what they show); draw the tab on screen."""
        for name, content in figs.items():
            self._pending[name] = content
            self._made.pop(name, None)
            self._empty(name)
        self._draw(self._name(self.widget.selected_index))

    def _empty(self, name: str) -> None:
        """Take a tab's widget off and close it: a replaced FigureWidget left open stays in the
        kernel and in every saved widget state (executed notebooks grew to 31-46 MB)."""
        for old in self.slots[name].children:
            old.close()
        self.slots[name].children = []

    def content(self, name: str) -> go.Figure | str | None:
        """What tab ``name`` shows (drawing it if it was not yet): a figure or a reason."""
        self._draw(name)
        return self._made.get(name)

    def _draw(self, name: str | None) -> None:
        if name is None or name not in self._pending:
            return
        content = self._pending.pop(name)
        made = content() if callable(content) else content
        self._made[name] = made
        if isinstance(made, str):
            self.note(name, made)
        else:
            self._empty(name)
            self.slots[name].children = [go.FigureWidget(made)]

    def note(self, name: str, text: str) -> None:
        """A line of text in place of a figure (e.g. why there is none)."""
        self._empty(name)
        self.slots[name].children = [w.HTML(f"<p><i>{html.escape(text)}</i></p>")]

    def clear(self) -> None:
        self._pending.clear()
        self._made.clear()
        for name in self.slots:
            self._empty(name)

    def figure(self, name: str) -> go.FigureWidget | None:
        """The figure shown in tab ``name`` (None when it shows none), drawn if it was not yet."""
        self._draw(name)
        kids = self.slots[name].children
        return kids[0] if kids and isinstance(kids[0], go.FigureWidget) else None
