"""``MODEL_CARD.md``: the model card in prose, from the ``card.json`` the trainer writes.

Per field: the task and its data (with SHA-256; out-of-domain rows with their role), the held-out estimate with its 95 %
bootstrap interval, how many rows the shipped model was refitted on, the configuration
chosen by cross-validation with the table of every candidate (and what a time budget left out), distillation,
parameters. At the top: what the model was built with (Python, the libraries, the git commit) and which hashes
confirm a reproduction.

``masked(card)`` is the card as it is written: a file name, a label or a note can hold a
phone number, an ID number or an e-mail (``train --data train_13812345678.csv``).
"""

from __future__ import annotations

import json

from wbcs.pii import mask_pii

# Kept as they are: the data files' hashes, the cross-validated records wbcs.kpi reads back against the labels
# the model predicts (the .skops file holds those labels as they are; masking them here would only break the match),
# and the versions and git commit the model was built with (a commit's hex digits can look like a phone number).
UNMASKED = ("sha256", "cv_confusion", "cv_quantify", "environment")


def masked(value, key: str | None = None):
    """The card (or a part of it) with phone numbers, ID numbers and e-mails masked in every text and key
    (``wbcs.pii``), but for the values of ``UNMASKED``."""
    if key in UNMASKED:
        return value
    if isinstance(value, dict):
        return {mask_pii(str(k)): masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return mask_pii(value) if isinstance(value, str) else value


def _ci(m: dict, key: str) -> str:
    lo_hi = (m.get("ci95") or {}).get(key)
    return f" [{lo_hi[0]:.3f}, {lo_hi[1]:.3f}]" if lo_hi else ""


def _ci_how(m: dict) -> str:
    """How the held-out intervals were drawn: rows, or whole groups (``train.held_out_report``'s ``ci95_groups``)."""
    if not m.get("ci95"):
        return ""
    if m.get("ci95_groups"):
        return (f" (95% bootstrap intervals resampling whole groups, {m['ci95_groups']:,} of them: rows of one "
                "dialogue or thread are not independent)")
    return " (95% bootstrap intervals)"


def extra_outcome(sel: dict) -> str:
    """What became of a selection's out-of-domain rows (``configs.select``'s ``extra`` and its table, where each row of
    them names its domain weight), per weight: chosen, tried and not used, or not tried and why (the time budget was
    spent before it). Every weight alike is said once ("tried and not used"), else weight by weight ("×1 tried and not
    used; ×3 chosen").
    The card's data line (``train.fit_task``'s role of the rows) and its selection's heading both say this."""
    extra = sel["extra"]
    rows = {float(r["params"]["extra_weight"]): r for r in sel.get("table", [])
            if (r.get("params") or {}).get("extra_weight") is not None}
    said: dict[str, list[str]] = {}
    for w in extra["weights"]:
        r = rows.get(float(w))
        # a card written before a skipped row kept its weight has no row of an untried weight: its reason is unsaid
        what = ("chosen" if extra.get("chosen_weight") is not None and float(w) == float(extra["chosen_weight"])
                else "tried and not used" if r is not None and not r.get("skipped")
                else "not tried" + (f": {r['skipped']}" if r is not None else ""))
        said.setdefault(what, []).append(f"×{w:g}")
    if len(said) == 1 and "chosen" not in said:
        return next(iter(said))
    return "; ".join(f"{', '.join(ws)} {what}" for what, ws in said.items())


def _extra_line(sel: dict) -> str:
    extra = sel.get("extra")
    if not extra:
        return ""
    weights = ", ".join(f"×{w:g}" for w in extra["weights"])
    return (f"; out-of-domain candidate {extra['name']} ({extra['rows']:,} rows in every training fold and in no "
            f"validation fold, own rows weighted {weights} — {extra_outcome(sel)})")


def _selection(sel: dict, step: str = "select") -> list[str]:
    heading = {
        "select": f"Configuration chosen by {sel.get('folds')}-fold grouped cross-validation on {sel.get('rows'):,} "
                  f"training rows ({_budget(sel.get('budget'))}"
                  + (f"; each fold keeps {sel['grouped_by']} whole: {sel['groups']:,} groups" if sel.get("groups") else "")
                  + ")" + _extra_line(sel)
                  + (f"; ranked by the {sel['score']}" if sel.get("score", "macro-F1") != "macro-F1" else "") + ":",
        "quality": f"Quality step: the chosen configuration against its mean with a regression on "
                   f"{sel.get('backbone')}'s hidden states, same {sel.get('folds')} grouped folds on "
                   f"{sel.get('rows'):,} training rows (an ensemble must gain more than {sel.get('tol')} macro-F1):",
        "distil": f"Distillation: the chosen configuration learning the quality ensemble's labels on "
                  f"{sel.get('pool', 0):,} unlabelled texts, the ensemble refitted in each of the same "
                  f"{sel.get('folds')} grouped folds on {sel.get('rows'):,} training rows (a student must gain more "
                  f"than {sel.get('tol')} macro-F1; the ensemble's row is for reference, it is never chosen here):",
    }[step]
    # with kinds of item, macro-F1 is the kinds' mean and the pooled figure gets a column of its own
    pooled = any(r.get("pooled_macro_f1") is not None for r in sel.get("table", []))
    lines = ["", heading, "",
             "| config | macro-F1 (mean ± sd) |" + (" pooled macro-F1 |" if pooled else "") + " accuracy | ECE | s | |",
             "|---|---:|" + ("---:|" if pooled else "") + "---:|---:|---:|---|"]
    for r in sel.get("table", []):
        if r.get("skipped"):
            lines.append(f"| {r['config']} | – |" + (" – |" if pooled else "") + f" – | – | – | not tried: {r['skipped']} |")
            continue
        lines.append(f"| {r['config']} | {r['macro_f1']:.3f} ± {r['macro_f1_sd']:.3f} |"
                     + (f" {r['pooled_macro_f1']:.3f} |" if pooled else "")
                     + f" {r['accuracy']:.3f} | {r['ece']:.3f} | {r['seconds']:.0f} | {'**chosen**' if r.get('chosen') else ''}"
                     + _kind_gain(r) + _floor(r) + " |")
    if cut := sel.get("budget_cut"):
        lines += ["", f"The time budget of {sel['budget']:g} s stopped this selection after {cut['tried']} of "
                      f"{cut['of']} configurations: the choice depended on the speed of the machine that trained it. "
                      "A larger budget (--budget 0: no limit) may choose otherwise; on the same data, `wbcs train "
                      "--config-from` this model repeats this choice exactly."]
    return lines


def _budget(seconds) -> str:
    return "no time budget" if not seconds else f"budget {seconds:g} s"


def _kind_gain(row: dict) -> str:
    """A row of a kind's own class bias (``configs.select``'s ``own_bias_kinds``): that kind's macro-F1 and gain."""
    if row.get("kind_macro_f1") is None:
        return ""
    return f" that kind alone: {row['kind_macro_f1']:.3f} ({row['kind_gain']:+.3f})"


def _floor(row: dict) -> str:
    """A recall floor's row (``configs.recall_floor_step``): each floored label's out-of-fold recall per kind of
    item, before → with the floor."""
    out = []
    for label, kinds in (row.get("floor_recall") or {}).items():
        each = ", ".join(f"{k + ' ' if k else ''}{r['before']:.3f} → {r['after']:.3f}" for k, r in kinds.items())
        out.append(f" recall of {label}: {each}")
    return ";".join(out)


def _by_kind(m: dict) -> list[str]:
    """The held-out figures per kind of item (``train.held_out_report``'s ``by_kind``) as a table with each class's
    recall: a pooled figure can hide a kind the model serves badly (telecom first posts among later messages)."""
    kinds = m.get("by_kind") or {}
    if len(kinds) < 2:
        return []
    labels = sorted({lab for k in kinds.values() for lab, c in k.get("per_class", {}).items() if c.get("support")})
    lines = ["", "Held-out per kind of item (recall per class; – where the kind has none of it):", "",
             "| kind | n | accuracy | macro-F1 | " + " | ".join(labels) + " |",
             "|---|---:|---:|---:|" + "---:|" * len(labels)]
    for kind, k in kinds.items():
        pc = k.get("per_class", {})
        recall = [f"{pc[lab]['recall']:.3f}" if pc.get(lab, {}).get("support") else "–" for lab in labels]
        lines.append(f"| {kind} | {k.get('n')} | {k.get('accuracy', 0):.3f} | {k.get('macro_f1', 0):.3f} | "
                     + " | ".join(recall) + " |")
    return lines + [""]


def _shares(q: dict | None) -> list[str]:
    """How ``wbcs.kpi.quantify`` estimates the field's shares per kind of item (the card's ``cv_quantify``)."""
    if not q:
        return []
    out = []
    for kind, c in q.get("chosen", {}).items():
        if c.get("unsampled"):
            how = ("the counts (not every training row was drawn at random)" if kind == "all"
                   else "the counts (training rows of it not drawn at random)")
        elif c["method"] == "CC":
            how = "the counts (no correction beat them in 4 of 5 folds)"
        else:
            how = (f"{c['method']}, for {c.get('min_items', '?')} posts or more whose misfit is at most "
                   f"{c.get('max_misfit', '?')}")
        out.append(f"{kind}: {how}")
    return [f"- shares per kind of item (grouped CV on the training part): {'; '.join(out)}"]


def _curve(c: dict | None) -> list[str]:
    """The chosen configuration's learning curve on the held-out rows (``train.curve_entry``) and what it says."""
    if not c:
        return []
    if c.get("skipped"):
        return [f"- learning curve: {c['skipped']}"]
    rows = [f"| {int(r['n_labels']):,} | {int(r['draws'])} | {r['macro_f1']:.3f} | {r['macro_f1_sd']:.3f} | "
            f"{r['accuracy']:.3f} |" for r in c["table"]]
    return ["", "Learning curve of the chosen configuration on the held-out rows (fitted on random subsets of the "
                "training rows; sd over the draws):", "", "| training labels | draws | macro-F1 | sd | accuracy |",
            "|---:|---:|---:|---:|---:|", *rows, "", f"- more labels? {c['verdict']}"]


def _environment(card: dict) -> list[str]:
    """What the model was built with (``registry.environment``), and which hashes confirm a reproduction."""
    env = card.get("environment")
    if not env:
        return []
    code, fields = env.get("code"), card.get("fields", {}).values()
    built = ", ".join([f"Python {env.get('python')}",
                       *(f"{k} {v}" for k, v in (env.get("libraries") or {}).items() if v)])
    lines = [f"- built with: {built}",
             "- code: " + (f"git commit {code['commit']}" + (" with uncommitted changes" if code.get("dirty") else "")
                           if code else "not run from a git checkout (an installed package)")]
    if any(f.get("kind") == "sklearn" for f in fields):
        lines.append("- reproduction: the same data (the SHA-256 below), seed, command and versions write the same "
                     ".skops field files: compare their SHA-256 in manifest.json (card.json differs by its creation "
                     "time)" + ("; but a time budget cut a selection here (below): the same command may choose "
                                "otherwise on another machine" if any((f.get("selection") or {}).get("budget_cut")
                                                                       for f in fields) else ""))
    return lines


def _refit(info: dict) -> list[str]:
    """Which rows the shipped model was fitted on after the held-out estimate (``train.fit_task``'s refit): the training
    rows and the held-out part, or the training rows only when the test part is a user's own file (it stays unseen),
    and all of them or a stratified sample (``max_train``: a smoke build)."""
    n = info.get("refit_rows")
    if not n:
        return []
    if "refit_test" not in info:
        # an entry written before the trainer recorded how it refitted (one carried over from an older model): those
        # refits took every training row and the held-out part
        return [f"- shipped model: refitted on all {n:,} labelled rows after the held-out estimate (its "
                f"{info.get('train_rows', 0):,} training rows + the held-out part)"]
    of, sampled = info["refit_of"], n < info["refit_of"]
    if info["refit_test"]:
        return [f"- shipped model: refitted after the held-out estimate on a stratified sample of {n:,} of the {of:,} "
                "labelled rows (training rows + the held-out part; a smoke build's cap, --max-train)" if sampled else
                f"- shipped model: refitted on all {n:,} labelled rows after the held-out estimate (its "
                f"{info.get('train_rows', 0):,} training rows + the held-out part)"]
    rows = (f"a stratified sample of {n:,} of its {of:,} training rows (a smoke build's cap, --max-train)" if sampled
            else f"its {n:,} training rows")
    return [f"- shipped model: fitted on {rows}, the rows of the held-out estimate; the test part is not among them "
            "(it stays unseen: measure the model on it again with wbcs evaluate)"]


def card_markdown(card: dict) -> str:
    lines = [f"# Model card: {card.get('name', 'model')}", "",
             f"- created: {card.get('created')}", f"- wbcs: {card.get('wbcs_version')}",
             f"- seed: {card.get('seed')}", *_environment(card), "", "## Intended use", "",
             card.get("intended_use", ""), "",
             "## Known limits", ""]
    lines += [f"- {x}" for x in card.get("limits", [])] or [
        "- none recorded: the figures below hold for texts like the held-out rows of the training data; measure the "
        "model on your own posts (wbcs evaluate) before trusting it on other kinds of text"]
    for field, info in card.get("fields", {}).items():
        lines += ["", f"## Field `{field}`", "", f"- task: {info.get('task')}", f"- kind: {info.get('kind')}",
                  f"- labels: {', '.join(map(str, info.get('classes', [])))}"]
        for d in info.get("data", []):
            rows = f"{d['rows']:,} rows, " if d.get('rows') is not None else ""
            role = f" — {d['role']}" if d.get("role") else ""
            lines.append(f"- data: {d.get('source')} ({rows}sha256 {str(d.get('sha256'))[:16]}…){role}")
        m = info.get("metrics") or {}
        if m:
            lines.append(f"- held-out ({m.get('split', 'test')}): n={m.get('n')}, accuracy={m.get('accuracy', 0):.3f}"
                         f"{_ci(m, 'accuracy')}, macro-F1={m.get('macro_f1', 0):.3f}{_ci(m, 'macro_f1')}, "
                         f"ECE={m.get('ece', float('nan')):.3f}" + _ci_how(m))
        v = m.get("vs_peer")
        if v:
            lines.append(f"- against the plain peer ({v['peer']}): its macro-F1 {v['peer_macro_f1']:.3f}, this model's "
                         f"{v['macro_f1_delta']:+.3f} [{v['macro_f1_ci'][0]:+.3f}, {v['macro_f1_ci'][1]:+.3f}] "
                         f"(accuracy {v['accuracy_delta']:+.3f} [{v['accuracy_ci'][0]:+.3f}, {v['accuracy_ci'][1]:+.3f}]; "
                         "95 % paired bootstrap on the same held-out rows)")
        lines += _by_kind(m)
        lines += _curve(info.get("curve"))
        lines += _refit(info)
        d = info.get("distilled_from")
        if d:
            lines.append(f"- distilled from {d['model']} (held-out macro-F1 "
                         f"{d.get('teacher_metrics', {}).get('macro_f1', float('nan')):.3f}) on "
                         f"{d['pseudo_labelled']:,} unlabelled posts it labelled")
        lines += [f"- note: {n}" for n in info.get("notes", [])]
        lines += _shares(info.get("cv_quantify"))
        lines.append(f"- parameters: `{json.dumps(info.get('params', {}), ensure_ascii=False)}`")
        if info.get("selection"):
            lines += _selection(info["selection"])
        if info.get("quality"):
            lines += _selection(info["quality"], "quality")
        if info.get("distil"):
            lines += _selection(info["distil"], "distil")
    return "\n".join(lines) + "\n"
