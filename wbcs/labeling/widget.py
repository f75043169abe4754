"""The annotator widget: ipywidgets for the view, ipyevents for the keyboard.

It only displays the controller's ``state()`` and turns keys and clicks into the
controller's actions (label, accept, skip, back, forward, undo, redo); it holds no
labels and no queue of its own. Tests drive it headlessly: ``handle_key`` takes the
dicts ipyevents sends (``{"event": "keydown", "key": "1", "shiftKey": False, ...}``)
and every button can be ``.click()``-ed.

Keys (shown on screen): one per label, from per-field rows of the keyboard
(``KEY_ROWS``; labels beyond a row take the next free key), and
Enter accept suggestions · Space skip · ← back · → next · Backspace / Ctrl+Z undo ·
Shift+Backspace / Ctrl+Y / Ctrl+Shift+Z redo.

``LabelingApp`` puts a name in front of it: each person labels under their own name, given in the
app's URL (``?annotator=NAME``, as Prodigy's ``?session=NAME``) or typed into the field it shows first;
nothing is recorded before there is one.
"""

from __future__ import annotations

import html
import os
import re
import sqlite3
from urllib.parse import parse_qs

import ipywidgets as w
import pandas as pd
from ipyevents import Event

from wbcs.config import app_mode
from wbcs.errors import InputError
from wbcs.labeling.controller import LabelingController
from wbcs.pii import mask_pii

# Preferred key row per field (taxonomy v1); other fields and overflow use FREE_KEYS.
KEY_ROWS = {"sentiment": "123", "negative_subtype": "456", "identifiable": "78",
            "intent": "qwert", "topic": "asdfghjkl;zxcvbnm"}
FREE_KEYS = "90yuiop[],./'-="
ACTIONS = {"Enter": "accept", " ": "skip", "ArrowLeft": "back", "ArrowRight": "forward",
           "Backspace": "undo"}
ACTION_LABELS = [("accept", "Accept suggestions", "Enter"), ("skip", "Skip", "Space"),
                 ("back", "Back", "←"), ("forward", "Next", "→"), ("undo", "Undo", "Backspace"),
                 ("redo", "Redo", "Shift+Backspace")]
ANNOTATOR_PARAM = "annotator"  # the app's URL names its annotator: .../02-label-posts.ipynb?annotator=ann1
ANNOTATOR_ENV = "WBCS_ANNOTATOR"  # a notebook's (one user's) annotator name
_MARKUP = re.compile(r"(\[[^\[\]\s]{1,10}\]|@[\w\u4e00-\u9fff\-]{1,30}|#[^#\s]{1,40}#)")


def keymap(tax) -> dict[str, tuple[str, str]]:
    """key → (field, label id) for every label of the taxonomy."""
    used: dict[str, tuple[str, str]] = {}
    free = [k for k in FREE_KEYS]
    for field, fld in tax.fields.items():
        row = [k for k in KEY_ROWS.get(field, "") if k not in used]
        for label in fld.ids:
            key = row.pop(0) if row else free.pop(0)
            used[key] = (field, label)
    return used


def key_table(tax) -> pd.DataFrame:
    """Which label each key means: key, field, label id and the Chinese name, field by field,
    then the action keys."""
    rows = [(k, field, label, tax[field].zh_name(label)) for k, (field, label) in keymap(tax).items()]
    order = list(tax.fields)
    rows.sort(key=lambda r: (order.index(r[1]), tax.ids(r[1]).index(r[2])))
    rows += [(key, "(action)", name, text) for name, text, key in ACTION_LABELS]
    return pd.DataFrame(rows, columns=["key", "field", "label", "中文"])


def markup(text: str) -> str:
    """Escaped text with emoticons, @mentions and #topics# highlighted."""
    parts = _MARKUP.split(text)
    out = []
    for i, part in enumerate(parts):
        esc = html.escape(part)
        out.append(f'<span style="color:#1565c0;font-weight:600">{esc}</span>' if i % 2 else esc)
    return "".join(out).replace("\n", "<br>")


class Annotator:
    """The labelling view over a ``LabelingController``; display it with ``display(a)``
    or use ``a.widget``."""

    def __init__(self, controller: LabelingController):
        self.c = controller
        self.keys = keymap(controller.tax)
        self.key_of = {v: k for k, v in self.keys.items()}
        self.header = w.HTML()
        self.bar = w.IntProgress(min=0, max=1, description="progress")
        self.counts = w.HTML()
        self.text = w.HTML()
        self.thread = w.HTML()
        self.reply = w.Accordion(children=[self.thread], titles=("客服回复 · helpdesk reply and thread",))
        self.reply.selected_index = None  # collapsed
        self.buttons: dict[tuple[str, str], w.Button] = {}
        self.hints: dict[str, w.HTML] = {}
        rows = []
        for field, fld in controller.tax.fields.items():
            btns = []
            for lab in fld.labels:
                b = w.Button(description=f"[{self.key_of[(field, lab.id)]}] {lab.zh} {lab.id}",
                             tooltip=lab.definition, layout=w.Layout(width="auto"))
                b.on_click(lambda _b, f=field, v=lab.id: self._do(self.c.label, f, v))
                self.buttons[(field, lab.id)] = b
                btns.append(b)
            self.hints[field] = w.HTML(layout=w.Layout(min_width="190px"))
            title = w.HTML(f"<b>{html.escape(fld.zh)}</b> {html.escape(fld.en)}",
                           layout=w.Layout(width="150px"))
            rows.append(w.HBox([title, w.HBox(btns, layout=w.Layout(flex_flow="row wrap")),
                                self.hints[field]]))
        self.actions: dict[str, w.Button] = {}
        for name, text, key in ACTION_LABELS:
            b = w.Button(description=f"{text} [{key}]", layout=w.Layout(width="auto"))
            b.on_click(lambda _b, n=name: self._do(getattr(self.c, n)))
            self.actions[name] = b
        self.status = w.HTML()
        legend = " · ".join(f"<b>{html.escape(field)}</b>: " + ", ".join(
            f"<kbd>{html.escape(k)}</kbd> {html.escape(controller.tax[field].zh_name(lab))} {html.escape(lab)}"
            for k, (f, lab) in self.keys.items() if f == field) for field in controller.tax.fields)
        self.legend = w.HTML(f"<small>{legend}<br><kbd>Enter</kbd> accept suggestions and move on · "
                             "<kbd>Space</kbd> skip · <kbd>←</kbd>/<kbd>→</kbd> back/next · "
                             "<kbd>Backspace</kbd> undo · <kbd>Shift+Backspace</kbd> redo · keys work while the mouse pointer is "
                             "over this box; the buttons work everywhere</small>")
        self.widget = w.VBox([self.header, w.HBox([self.bar, self.counts]), self.text, self.reply,
                              *rows, w.HBox(list(self.actions.values())), self.status, self.legend],
                             layout=w.Layout(border="1px solid #ddd", padding="8px"))
        self.events = Event(source=self.widget, watched_events=["keydown"],
                            prevent_default_action=True)
        self._last_stamp = None
        self.events.on_dom_event(self.handle_key)
        self.render()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ input

    def _do(self, action, *args) -> None:
        """Run an action and redraw; a failure is shown in the status line (a key press
        raising in a comm callback is only seen in the log console)."""
        try:
            action(*args)
        except sqlite3.Error as e:
            self.status.value = (f"<span style='color:#c00'>The label store cannot be written ({html.escape(str(e))}): "
                                 "run the cell that opens it again.</span>")
            return
        except InputError as e:
            self.status.value = f"<span style='color:#c00'>{html.escape(str(e))}</span>"
            return
        self.render()

    def action_for(self, event: dict):
        """(callable, args) for a key event, or None for keys that do nothing."""
        key = event.get("key", "")
        ctrl = event.get("ctrlKey") or event.get("metaKey")
        shift = event.get("shiftKey")
        if ctrl and key.lower() == "z":
            return (self.c.redo if shift else self.c.undo), ()
        if ctrl and key.lower() == "y":
            return self.c.redo, ()
        if ctrl or event.get("altKey"):
            return None
        if key == "Backspace" and shift:
            return self.c.redo, ()
        if key in ACTIONS:
            return getattr(self.c, ACTIONS[key]), ()
        if key.lower() in self.keys:
            return self.c.label, self.keys[key.lower()]
        return None

    def handle_key(self, event: dict) -> None:
        """ipyevents' callback: act on a keydown and re-render.

        One DOM event can arrive twice: in Voilà ipyevents attached its key listener to the
        same view twice and every key press came with the same ``timeStamp`` twice (one
        Enter accepted two posts). A repeat of the last event's time stamp is dropped."""
        if event.get("event", event.get("type", "keydown")) != "keydown":
            return
        stamp = event.get("timeStamp")
        if stamp is not None and stamp == self._last_stamp:
            return
        self._last_stamp = stamp
        found = self.action_for(event)
        if found is not None:
            self._do(found[0], *found[1])

    # ------------------------------------------------------------------ output

    def render(self) -> None:
        s = self.c.state()
        item, labels, prog = s["item"], s["labels"], s["progress"]
        # masked: a store's name written before names were checked may be a phone number
        self.header.value = (f"<b>{html.escape(mask_pii(s['annotator']))}</b> · item {s['position'] + 1} of "
                             f"{prog['total']} · <code>{html.escape(item['item_id'])}</code>")
        self.bar.max = max(1, prog["total"])
        self.bar.value = prog["done"]
        per_field = []
        for field, counts in prog["counts"].items():
            shown = " ".join(f"{lab} {n}" for lab, n in counts.items() if n)
            per_field.append(f"{field}: {shown or '–'}")
        self.counts.value = (f"{prog['done']}/{prog['total']} done · {prog['skipped']} skipped"
                             f"<br><small>{html.escape(' | '.join(per_field))}</small>")
        self.text.value = f'<div style="font-size:1.15em;line-height:1.6">{markup(item["text"])}</div>'
        turns = [("helpdesk", item["reply"])] if item["reply"] else []
        turns += [(t["sender"], t["text"]) for t in item["context"]]
        self.thread.value = "<br>".join(f"<b>{html.escape(who)}</b>: {markup(t)}" for who, t in turns) \
            or "<i>no reply</i>"
        for (field, lab), b in self.buttons.items():
            sugg = s["suggestions"].get(field)
            b.disabled = not s["applicable"][field]
            b.button_style = ("success" if labels.get(field) == lab
                              else "info" if sugg is not None and sugg.label == lab else "")
        for field, hint in self.hints.items():
            sugg = s["suggestions"].get(field)
            how = "" if sugg is None else f"{sugg.proba:.2f}" if sugg.source != "rule" else \
                "rule: number in post" if sugg.label == "yes" else "rule: no number in post"
            hint.value = (f"<small>suggested: {html.escape(sugg.label)} ({how})</small>"
                          if sugg is not None and s["applicable"][field] else "")
        self.status.value = html.escape(s["message"])


def annotator_name() -> str | None:
    """The annotator a session was opened for, or None (``LabelingApp`` then asks).

    In a Voilà app, ``?annotator=NAME`` in the page's URL: Voilà gives each page's kernel the request's query
    string as ``QUERY_STRING`` (CGI's name); an environment variable of the server would name every browser
    user alike, and their labels would overwrite each other's. In a notebook (one user), ``WBCS_ANNOTATOR``."""
    if app_mode():
        names = parse_qs(os.environ.get("QUERY_STRING", "")).get(ANNOTATOR_PARAM, [""])
        return names[-1].strip() or None
    return os.environ.get(ANNOTATOR_ENV, "").strip() or None


class LabelingApp:
    """The annotator behind a name: ``name`` (e.g. from ``annotator_name()``) opens it at once; without one
    (or with one the store refuses) a name field comes first and no label can be recorded until it is
    filled in. ``controller`` and ``annotator`` are None until then; one widget (``widget``) throughout."""

    def __init__(self, items, store, name: str | None = None, **controller_args):
        self.items, self.store, self.controller_args = items, store, controller_args
        self.controller: LabelingController | None = None
        self.annotator: Annotator | None = None
        # Enter (or leaving the field) opens it too: the value is sent then, not on every key
        self.name = w.Text(placeholder="your name or initials, e.g. ann1, 张三", description="Annotator",
                           continuous_update=False, layout=w.Layout(width="360px"))
        self.start = w.Button(description="Start labelling", button_style="primary")
        self.status = w.HTML("Each person labels under their own name (open the app as "
                             f"<code>...?{ANNOTATOR_PARAM}=NAME</code> to skip this).")
        self.start.on_click(lambda _b: self.controller is None and self.open(self.name.value))
        self.name.observe(lambda change: self.controller is None and self.open(change["new"]), "value")
        self.widget = w.VBox([w.HBox([self.name, self.start]), self.status])
        if name is not None:  # not put in the field: a refused one (a phone number) is only ever shown masked
            self.open(name)

    def open(self, name: str) -> bool:
        """Open the annotator for ``name``; a name it refuses (``check_annotator_name``, the store's check) is
        said under the field, masked, and nothing opens."""
        try:
            self.controller = LabelingController(self.items, self.store, name.strip(), **self.controller_args)
        except InputError as e:
            self.status.value = f"<span style='color:#c00'>{html.escape(str(e))}</span>"
            return False
        self.annotator = Annotator(self.controller)
        self.widget.children = (self.annotator.widget,)
        self.status = self.annotator.status  # from now on the status line is the annotator's
        return True

    def handle_key(self, event: dict) -> None:
        """The annotator's key handler (``Annotator.handle_key``); no key records anything before a name."""
        if self.annotator is not None:
            self.annotator.handle_key(event)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
