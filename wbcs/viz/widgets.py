"""Widget pieces shared by the ipywidgets apps of ``wbcs.viz``."""

from __future__ import annotations

import html

import ipywidgets as w
import plotly.graph_objects as go


class FigureTabs:
    """A ``Tab`` of named plotly figures, each shown as a ``go.FigureWidget``.

    Figures are widgets here, not ``fig.show()`` captured by an ``ipywidgets.Output``: with
    captured displays, headless runners (Voilà, nbclient) answer every captured output with a
    message back to the kernel, and a cell drawing several of them sometimes never finished
    (Voilà hung in 2 of 5 runs of seven captured charts; with FigureWidgets in 0 of 4).
    """

    def __init__(self, titles: dict[str, str]):
        self.slots = {name: w.Box() for name in titles}
        self.widget = w.Tab(children=list(self.slots.values()), titles=tuple(titles.values()))

    def show(self, figs: dict[str, go.Figure]) -> None:
        """Draw each figure in its tab (tabs not named keep what they show)."""
        for name, fig in figs.items():
            self.slots[name].children = [go.FigureWidget(fig)]

    def note(self, name: str, text: str) -> None:
        """A line of text in place of a figure (e.g. why there is none)."""
        self.slots[name].children = [w.HTML(f"<p><i>{html.escape(text)}</i></p>")]

    def clear(self) -> None:
        for slot in self.slots.values():
            slot.children = []

    def figure(self, name: str) -> go.FigureWidget | None:
        """The figure shown in tab ``name`` (None when it shows none)."""
        kids = self.slots[name].children
        return kids[0] if kids and isinstance(kids[0], go.FigureWidget) else None
