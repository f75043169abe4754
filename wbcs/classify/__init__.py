"""Classify posts: the baseline estimator, the transformer path, evaluation, the registry.

- ``TextClassifier``: the scikit-learn baseline on raw texts (``baseline``).
- ``PostClassifier``: the multi-field model users see (``multi``); ``load_model`` /
  ``save_model`` read and write the registry in ``models/`` (``registry``).
- ``predict_posts``: fill a posts table's missing labels with the shipped model (``api``).

torch and transformers are imported only inside the functions that need them.
"""

from wbcs.classify.api import predict_posts
from wbcs.classify.baseline import TextClassifier
from wbcs.classify.multi import PostClassifier
from wbcs.classify.registry import load_model, save_model

__all__ = ["PostClassifier", "TextClassifier", "load_model", "predict_posts", "save_model"]
