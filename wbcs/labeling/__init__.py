"""Labelling: an append-only label store, offline annotation batches, the annotator
widget and its controller, sampling strategies and label-quality tools.

Modules: ``store`` (LabelStore on SQLite), ``batch`` (gold sample, batch files,
validated import), ``controller`` (queue, model suggestions, sessions), ``widget``
(ipywidgets + ipyevents view), ``sampling`` (what to label next), ``agreement``
(κ, α, adjudication queue, consensus, cleanlab label issues). Import them directly;
this package imports nothing heavy.
"""
