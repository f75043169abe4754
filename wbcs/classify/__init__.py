"""Classify posts: the baseline estimator, the transformer path, evaluation, the registry.

``TextClassifier`` (scikit-learn estimator on raw texts) is the baseline; submodules
hold the rest. torch and transformers are imported only inside the functions that
need them.
"""

from wbcs.classify.baseline import TextClassifier

__all__ = ["TextClassifier"]
