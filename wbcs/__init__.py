"""wbcs — a Jupyter workbench for telecom operators' Weibo customer service.

Importing the package is cheap: heavy dependencies (torch, transformers, plotly,
ipywidgets) are imported inside the functions that need them.
"""

__version__ = "0.1.0"
