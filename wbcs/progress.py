"""Progress bars: one rule for every long task (training, replications, downloads, batches, imports).

A bar is shown in a terminal and in a notebook (``tqdm.auto``: a widget in Jupyter) and hidden when stderr is
a file or a pipe, so that a log gets no '\\r' frames (tqdm's ``disable=None``; ``tqdm.notebook`` turns None into
False, so a notebook's widget still shows). ``progress=False`` hides it everywhere.
"""

from __future__ import annotations


def bar(iterable=None, *, progress: bool = True, **tqdm_kwargs):
    """A ``tqdm.auto`` bar over ``iterable`` (or one to ``update`` by hand, given ``total``): shown only on a
    terminal or in a notebook, never when ``progress`` is False."""
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=None if progress else True, **tqdm_kwargs)


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
