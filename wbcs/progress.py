"""Progress bars: one rule for every long task (training, replications, downloads, batches, imports).

A bar is shown in a terminal and in a notebook (``tqdm.auto``: a widget in Jupyter) and hidden when stderr is
a file or a pipe, so that a log gets no '\\r' frames (tqdm's ``disable=None``; ``tqdm.notebook`` turns None into
False, so a notebook's widget still shows). ``progress=False`` hides it everywhere.

In a notebook a bar leaves no trace once done: a widget closed with ``leave=False`` keeps its output in the cell,
which Voilà shows as "Error displaying widget: model not found" and a saved or exported notebook as text like
'choosing a configuration: 0%| 0/7'. So its output is replaced by an empty one; a bar that ends otherwise (kept,
or failed: red) has its output redrawn as it ended.
"""

from __future__ import annotations

import functools
import sys


def bar(iterable=None, *, progress: bool = True, **tqdm_kwargs):
    """A ``tqdm.auto`` bar over ``iterable`` (or one to ``update`` by hand, given ``total``): shown only on a
    terminal or in a notebook, never when ``progress`` is False."""
    from tqdm.auto import tqdm

    notebook = sys.modules.get("tqdm.notebook")  # loaded whenever tqdm.auto chose it (not imported otherwise: slow)
    if notebook is not None and issubclass(tqdm, notebook.tqdm_notebook):
        tqdm = _in_a_notebook(tqdm)
    return tqdm(iterable, disable=None if progress else True, **tqdm_kwargs)


@functools.cache
def _in_a_notebook(widget_bar: type) -> type:
    """``widget_bar`` (tqdm's notebook bar) displayed under a display id, to replace its output when it closes."""
    from IPython.display import display

    class NotebookBar(widget_bar):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, display=False, **kwargs)
            self._output = None  # no display id outside a kernel
            if not self.disable and self.delay <= 0:
                self._output = display(self.container, display_id=True)
                self.displayed = True

        def close(self):
            if self.disable:
                return
            super().close()
            if self._output is None:
                return
            if not self.leave and self.container.children[1].bar_style != "danger":
                self._output.update({}, raw=True)  # done: nothing left in the cell
            else:
                self._output.update(self.container)  # kept or failed: the text saved with it says how it ended

    return NotebookBar


def finish(progress_bar) -> None:
    """Close a bar whose work ended before its total (a search that converged, a loop with nothing more to do)
    as complete at the count it reached: not left at '80% 16/20' in a terminal, nor painted red as failed in
    a notebook (``tqdm.notebook`` marks a bar closed short of its total as an error)."""
    if not progress_bar.disable and progress_bar.total and progress_bar.n < progress_bar.total:
        progress_bar.total = progress_bar.n
        widget = getattr(progress_bar, "container", None)  # tqdm.notebook's: its bar keeps its own maximum
        if widget is not None:
            widget.children[1].max = max(progress_bar.n, 1)
    progress_bar.close()
