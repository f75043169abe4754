"""The label fields of the taxonomy as the labelling tools use them.

``applies`` reads a field's ``applies_when`` (negative_subtype only when sentiment is
negative) against an item's other labels; batch import, the controller and consensus
all decide "is this field needed here?" through it.
"""

from __future__ import annotations

from collections.abc import Mapping

from wbcs.schema import Taxonomy, load_taxonomy


def taxonomy(tax: Taxonomy | None = None) -> Taxonomy:
    return tax or load_taxonomy()


def label_fields(tax: Taxonomy | None = None) -> list[str]:
    """Field names in the taxonomy's order (sentiment, intent, topic, negative_subtype, ...)."""
    return list(taxonomy(tax).fields)


def applies(field: str, labels: Mapping[str, str | None], tax: Taxonomy | None = None) -> bool | None:
    """Whether ``field`` is needed for an item with these ``labels``.

    True/False when its conditions are decided; None when a condition's field has no
    label yet (e.g. the subtype before the sentiment is known).
    """
    for key, wanted in taxonomy(tax)[field].applies_when:
        have = labels.get(key)
        if not have:
            return None
        if have != wanted:
            return False
    return True


def conditional_fields(tax: Taxonomy | None = None) -> list[str]:
    """Fields that apply only under a condition (``applies_when``)."""
    t = taxonomy(tax)
    return [name for name, f in t.fields.items() if f.applies_when]
