"""Widget pieces shared by the ipywidgets apps of ``wbcs.viz``."""

from __future__ import annotations

import html
from collections.abc import Callable

import anywidget
import ipywidgets as w
import plotly.graph_objects as go
import traitlets

from wbcs.viz.figure import fit_title

# a figure, a reason (why a tab has none), or a figure with HTML shown below it (a table of its figures)
Made = go.Figure | str | tuple[go.Figure, str]
Content = Made | Callable[[], Made]

def hide_notebook_cells() -> None:
    """In a Voilà app, hide the cells tagged ``notebook-only`` (Voilà shows every cell's output; the tag's CSS class
    is on each of them); call it when ``wbcs.config.app_mode()``."""
    from IPython.display import HTML, display

    display(HTML("<style>.celltag_notebook-only { display: none; }</style>"))


# what a tab panel takes from the Tab's width: its border and padding (ipywidgets 8: 1 + 15 px a side), and a
# margin so that no scroll bar appears
PANEL_INSET = 40
# Each tab as wide as its title, the tabs on as many rows as they need: ipywidgets gives every tab 144 px and
# shrinks them alike, so at 900 px four of the KPI dashboard's eight titles were cut ("Favorability 喜"). The tab
# selector outranks ipywidgets' own (.jupyter-widgets.widget-tab > .lm-TabBar .lm-TabBar-tab).
TAB_CSS = """<style>
.jupyter-widgets.widget-tab.wbcs-tabs > .lm-TabBar { height: auto; }
.jupyter-widgets.widget-tab.wbcs-tabs > .lm-TabBar > .lm-TabBar-content { flex-wrap: wrap; height: auto; }
.jupyter-widgets.widget-tab.wbcs-tabs > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto; }
</style>"""


class WidthProbe(anywidget.AnyWidget):
    """A zero-height widget that reports its width on screen in pixels (``width``, 0 until a browser shows it).

    Written here because plotly's FigureWidget (an anywidget since plotly 6) sizes itself once, when it is
    drawn, and never again: one drawn while the browser has not yet placed it (a figure replaced or opened
    after the page is up — every figure of a dashboard but the first) takes plotly's default 700 px, however
    wide its tab is (plotly.py issues #4027, #5208). Knowing the width, ``FigureTabs`` gives each figure it.
    """

    _esm = """
    function render({ model, el }) {
      el.style.width = "100%";
      el.style.height = "0px";
      let timer = null;
      const report = () => {
        const width = Math.round(el.getBoundingClientRect().width);
        if (width > 0 && width !== model.get("width")) { model.set("width", width); model.save_changes(); }
      };
      const observer = new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(report, 150); });
      observer.observe(el);
      return () => { clearTimeout(timer); observer.disconnect(); };
    }
    export default { render };
    """
    width = traitlets.Int(0).tag(sync=True)


class FigureTabs:
    """A ``Tab`` of named plotly figures, each shown as a ``go.FigureWidget``.

    Figures are widgets here, not ``fig.show()`` captured by an ``ipywidgets.Output``: with
    captured displays, headless runners (Voilà, nbclient) answer every captured output with a
    message back to the kernel, and a cell drawing several of them sometimes never finished
    (Voilà hung in 2 of 5 runs of seven captured charts; with FigureWidgets in 0 of 4).

    Only the tab on screen is drawn, and only once a browser shows it: ``show`` takes figures, reasons (a str: why a tab has no
    figure), (figure, HTML shown below it) pairs or functions that make any of them, and a tab's content is made and sent to the
    browser when the tab is opened. The first chart of a dashboard then costs one figure,
    not seven (and plotly cannot size a chart inside a hidden tab anyway).

    A figure without a width of its own takes the tabs' width on screen (``WidthProbe``), and
    follows it when the window is resized. ``widget`` is what to display; ``tab`` the Tab.
    """

    def __init__(self, titles: dict[str, str]):
        self.slots = {name: w.VBox() for name in titles}
        self.tab = w.Tab(children=list(self.slots.values()), titles=tuple(titles.values()))
        self.tab.selected_index = 0
        self.tab.add_class("wbcs-tabs")
        self.probe = WidthProbe()
        self.widget = w.VBox([w.HTML(TAB_CSS, layout={"display": "none"}), self.probe, self.tab])
        self._pending: dict[str, Content] = {}
        self._made: dict[str, go.Figure | str] = {}
        self.tab.observe(lambda _: self._on_screen(), names="selected_index")
        self.probe.observe(lambda _: (self._on_screen(), self._fit_all()), names="width")

    def add(self, name: str, title: str) -> None:
        """A new, empty tab at the end."""
        titles = tuple(self.tab.titles)
        self.slots[name] = w.VBox()
        self.tab.children = list(self.slots.values())
        self.tab.titles = (*titles, title)

    def _name(self, index) -> str | None:
        return list(self.slots)[index] if index is not None and 0 <= index < len(self.slots) else None

    def show(self, figs: dict[str, Content]) -> None:
        """Put each content in its tab (tabs not named keep what they show); draw the tab on screen."""
        for name, content in figs.items():
            self._pending[name] = content
            self._made.pop(name, None)
            self._empty(name)
        self._on_screen()

    def _on_screen(self) -> None:
        """Draw the tab on screen once a browser shows the tabs (``probe.width``). A kernel no browser watches
        (``nbconvert --execute``, a test) makes no FigureWidget: every one made is kept, closed or not, in the
        notebook's saved widget state with its own ~5 MB copy of plotly.js (notebook 04 exported to 20.7 MB)."""
        if self.probe.width:
            self._draw(self._name(self.tab.selected_index))

    def _empty(self, name: str) -> None:
        """Take a tab's widget off and close it: a replaced FigureWidget left open stays in the
        kernel and in every saved widget state (executed notebooks grew to 31-46 MB)."""
        for old in self.slots[name].children:
            # plotly counts a figure's views (_view_count 0, not ipywidgets' None): its view, removed as the figure
            # closes, then counted itself off through the closed comm ("Syncing error: no comm channel defined" in
            # Voilà at every redraw of a tab; not once with the count off, seen in Chromium)
            old._view_count = None
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
        made, below = made if isinstance(made, tuple) else (made, None)
        self._made[name] = made
        if isinstance(made, str):
            self.note(name, made)
        else:
            self._empty(name)
            shown = go.FigureWidget(made)
            self._fit(shown, made)
            self.slots[name].children = [shown, *([w.HTML(below)] if below else [])]

    def _fit(self, shown: go.FigureWidget, made: go.Figure) -> None:
        """``shown`` as wide as the tabs on screen, unless its figure has a width of its own, its title wrapped to
        that width (``fit_title``: plotly cut a long title at the chart's edge). Wrapped from the figure as made,
        so a window narrowed and widened again gives the title back on one line."""
        width = made.layout.width or (self.probe.width - PANEL_INSET if self.probe.width > PANEL_INSET else None)
        if width is None:
            return
        fitted = fit_title(go.Figure(made), width).layout
        with shown.batch_update():
            shown.layout.width = width
            shown.layout.title.text = fitted.title.text
            shown.layout.title.y = fitted.title.y
            shown.layout.margin.t, shown.layout.height = fitted.margin.t, fitted.height

    def _fit_all(self) -> None:
        for name, made in self._made.items():
            if (shown := self._shown(name)) is not None:
                self._fit(shown, made)

    def _shown(self, name: str) -> go.FigureWidget | None:
        kids = self.slots[name].children
        return kids[0] if kids and isinstance(kids[0], go.FigureWidget) else None

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
        return self._shown(name)
