"""Plotly figures and ipywidgets apps, one submodule per area.

Only this package (and ``wbcs.labeling``) imports ipywidgets; only this package and
``wbcs.report`` import plotly. Import the submodule you need, e.g. ``wbcs.viz.kpi``.
"""
