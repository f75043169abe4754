"""The reply widget: post, route, draft, alternatives, edit box; Enter accepts.

It only shows ``wbcs.reply.desk.ReplyDesk.state()`` and turns clicks and keys into the
desk's actions; tests drive it headlessly (``handle_key`` takes the dicts ipyevents sends,
every button can be ``.click()``-ed, the text areas' ``value`` can be set).

Keys, while the post panel has the focus (click it): Enter accept · 1–9 take that
alternative into the edit box · Space skip · ← back. In the edit boxes keys type as usual.
"""

from __future__ import annotations

import html

import ipywidgets as w
from ipyevents import Event

from wbcs.reply.desk import ReplyDesk
from wbcs.viz.tables import quality_text

KEYS = {"Enter": "accept", " ": "skip", "ArrowLeft": "back"}
_CARD = "border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:4px 0;background:#fafafa"


class ReplyWidget:
    """The reply view over a ``ReplyDesk``; display it with ``display(r)`` or use ``r.widget``."""

    def __init__(self, desk: ReplyDesk):
        self.d = desk
        self.header = w.HTML()
        self.post = w.HTML()
        # fixed slots whose values change: replacing children would take the keyboard focus away
        self.alt_title = w.HTML()
        self.alt_slots = [w.HTML() for _ in range(max(desk.k, 1))]
        self.alts = w.VBox([self.alt_title, *self.alt_slots])
        wide = {"description_width": "110px"}
        self.public = w.Textarea(description="公开回复", style=wide, layout=w.Layout(width="98%", height="80px"))
        self.private = w.Textarea(description="私信 DM", style=wide, layout=w.Layout(width="98%", height="70px"))
        self.checks = w.HTML()
        self.status = w.HTML()
        self.buttons = {}
        for name, text in (("accept", "Accept 采用 [Enter]"), ("skip", "Skip [Space]"), ("back", "Back [←]")):
            b = w.Button(description=text, button_style="success" if name == "accept" else "",
                         layout=w.Layout(width="auto"))
            b.on_click(lambda _b, n=name: self._do(getattr(self.d, n)))
            self.buttons[name] = b
        self.public.observe(self._typed, names="value")
        self.private.observe(self._typed, names="value")
        self.panel = w.VBox([self.header, self.post, self.alts],
                            layout=w.Layout(border="1px solid #1f77b4", padding="6px"))
        self.widget = w.VBox([self.panel, self.public, self.private, self.checks,
                              w.HBox(list(self.buttons.values())), self.status],
                             layout=w.Layout(padding="8px", width="100%"))
        self.events = Event(source=self.panel, watched_events=["keydown"], prevent_default_action=True)
        self.events.on_dom_event(self.handle_key)
        self._rendering = False
        self.render()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ input

    def _do(self, action, *args) -> None:
        try:
            action(*args)
        except Exception as e:  # noqa: BLE001 — a callback's exception would vanish in the browser: show it
            self.d.message = f"error: {e}"
        self.render()

    def _typed(self, _change) -> None:
        if self._rendering:
            return
        self.d.edit(public=self.public.value, private=self.private.value)
        self._show_checks()

    def handle_key(self, event: dict) -> None:
        """ipyevents' callback: act on a keydown of the post panel and re-render."""
        if event.get("event", event.get("type", "keydown")) != "keydown":
            return
        if event.get("ctrlKey") or event.get("metaKey") or event.get("altKey"):
            return
        key = event.get("key", "")
        if key in KEYS:
            self._do(getattr(self.d, KEYS[key]))
        elif key.isdigit() and key != "0":
            self._do(self.d.use, int(key))

    # ------------------------------------------------------------------ output

    def _show_checks(self) -> None:
        reasons = self.d.checks()
        self.checks.value = ("<span style='color:#2e7d32'>✓ passes the checks (≤140 characters, no PII, "
                             "no forbidden promise" + (", DM present" if self.d.state()["needs_dm"] else "")
                             + ")</span>" if not reasons else
                             "<span style='color:#c62828'>✗ " + "<br>✗ ".join(html.escape(r) for r in reasons)
                             + "</span>")
        n = len(self.public.value)
        self.public.description = f"公开回复 {n}/140"

    def render(self) -> None:
        s = self.d.state()
        self._rendering = True
        try:
            done = s["done"].get(s["position"])
            self.header.value = (
                f"<b>post {s['position'] + 1} of {s['total']}</b> · <code>{html.escape(str(s['post_id']))}</code> · "
                f"{s['accepted']} accepted{' · <b>' + done + '</b>' if done else ''}"
                f"{' · <b>queue finished</b> (← back to change a reply)' if s['finished'] else ''}<br>"
                f"<b>route</b> {html.escape(s['route_zh'])} <code>{html.escape(s['route'])}</code>"
                + (f" · topic <code>{html.escape(str(s['topic']))}</code>" if isinstance(s["topic"], str) else "")
                + f"<br><small>{html.escape(s['action'])}</small>")
            self.post.value = (f"<div style='{_CARD};font-size:1.1em;line-height:1.6'>"
                               f"{html.escape(s['text'])}</div>"
                               f"<div style='{_CARD};background:#eef5ff'><b>标准话术 draft</b>: "
                               f"{html.escape(s['draft'])}"
                               + (f"<br><b>私信 DM</b>: {html.escape(s['private_draft'])}" if s["private_draft"] else "")
                               + "</div>")
            alts = s["alternatives"]
            self.alt_title.value = ("<b>Real replies to similar posts 相似案例</b> (press 1–9 to use one)" if alts
                                    else "<i>no similar real reply found</i>")
            for slot, a in zip(self.alt_slots, alts + [None] * len(self.alt_slots), strict=False):
                slot.layout.display = "none" if a is None else ""
                if a is None:
                    slot.value = ""
                    continue
                q = quality_text(a["quality"])
                slot.value = (f"<div style='{_CARD}'><b>[{a['n']}]</b> {html.escape(a['text'])}<br><small>source "
                              f"<code>{html.escape(str(a['source']))}</code> · predicted quality {q} (−2..2) · "
                              f"checks: {html.escape(str(a['checks']))}</small></div>")
            self.public.value = s["edit"]["public"]
            self.private.value = s["edit"]["private"]
            self.private.layout.display = "" if s["needs_dm"] or s["edit"]["private"] else "none"
            self._show_checks()
            self.status.value = html.escape(s["message"])
        finally:
            self._rendering = False
