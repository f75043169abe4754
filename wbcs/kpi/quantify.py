"""Shares corrected for the classifier's errors (quantification).

Analysts read proportions — topic shares, the negative share, net favorability — and a
classifier's errors do not cancel in a count: a model that calls 30 % of consultations
complaints inflates the complaint share however many posts there are. Adjusted
classify-and-count (ACC; Forman 2008) undoes it with the model's misclassification
matrix ``M[i, j] = P(predicted j | true i)``, estimated by cross-validation on its
training rows: the observed predicted shares are ``q = Mᵀ p``, so the true shares ``p``
are the solution of that system, constrained to the probability simplex (non-negative
least squares, then normalised).

A correction is only as good as ``M`` is for the posts counted, and on real posts the one
pooled confusion (``cv_confusion``: telecom first posts, later messages and other helpdesks'
first posts together) moved the shares of telecom first posts farther from the truth than the
raw counts (BENCHMARKS.md). So the trainer now also keeps, per kind of item, the statistics of
the other aggregative quantifiers (QuaPy's names: CC, PCC, ACC, PACC, EMQ/SLD) and chooses one
per kind by grouped CV on the training part (``card_entry``: out-of-fold probabilities, each
validation fold quantified with what the other folds learnt, at its own mix and at mixes drawn from its
rows shifted by up to ``MAX_SHIFT`` (0.15 in total variation, as far as nine months in ten moved) in directions
centred on that mix: quantification
is for the weeks whose mix moved, and at the training mix alone the counts look as good as any correction),
keeping the counts (CC) unless a correction is closer to the true shares in 4 folds of 5 (``choose_methods``); the card's
``cv_quantify`` holds the choice, and ``corrected_table`` says which method it used and why
(``attrs["note"]``; ``corrected`` False when the counts were kept). A card without it (older
models) is corrected with the pooled confusion, as before, and says so.

Every correction assumes prior shift: the posts counted are the training labels' posts in other
proportions. Posts of another kind break it (general Weibo posts given to a model of telecom first posts:
PACC put all of them in neutral, counting 24 % negative as 0 %), and then leave a residual no mix of the
labels explains (``misfit``). The card keeps the largest misfit its CV validated the chosen correction at
(``max_misfit``); posts beyond it are counted, with a note saying why. A kind of item whose training rows
were not drawn at random (uncertainty sampling picks the posts the model is least sure of, where it errs
more than on its kind's posts) keeps the counts too: the CV on those rows cannot see the over-correction.

Posts tables keep only each post's predicted label and its probability, so the posterior
methods rebuild the rest of each post's probabilities as the training rows predicted alike
shared it (``top1``), and the CV measures them that way.

Intervals: a percentile bootstrap that resamples the posts (the counted shares: drawn from their Jeffreys
posterior, ``count_shares_draw``, which a share of 0 or of few posts needs) and, for ACC, the rows of ``M``
from a Dirichlet posterior over its cross-validation counts (PACC: a conservative Dirichlet
over its mean posteriors), widened by the chosen method's own per-label error in the CV
(``widen``): the bootstrap alone holds the sample's and the statistics' noise, not a method's
bias on a kind of item, and held the truth for fewer than half the labels on real posts.

Why hand-written: QuaPy implements these but trains and validates its own classifier; here
the classifier is already trained and its cross-validated probabilities come with it; each
method is a few lines of numpy (the functions cite their papers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from wbcs.errors import InputError
from wbcs.kpi.indicators import FAVORABILITY_FORMAT
from wbcs.kpi.labels import field_models, model_labelled
from wbcs.pii import mask_pii
from wbcs.schema import POST_KIND


def misclassification(counts) -> np.ndarray:
    """Row-normalised confusion counts (rows: true label, columns: predicted); a row without
    evidence is the identity row (no correction for a label the model never saw)."""
    c = np.asarray(counts, dtype=float)
    rows = c.sum(axis=1, keepdims=True)
    return np.where(rows > 0, c / np.where(rows > 0, rows, 1), np.eye(len(c)))


def acc(observed, m) -> np.ndarray:
    """True shares from observed predicted shares and ``M``: min ‖Mᵀp − q‖ with p ≥ 0, Σp = 1."""
    q = np.asarray(observed, dtype=float)
    p, _ = nnls(np.asarray(m, dtype=float).T, q)
    return p / p.sum() if p.sum() > 0 else q


def percentile_interval(draws, level: float = 0.95, point=None) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of bootstrap ``draws`` (rows: draws; NaN draws left out), stretched to hold
    ``point``, the estimate, where given. At a boundary every draw can lie on one side of the estimate: a
    share of 100 % of one post, widened by noise clipped at 0 and renormalised (``widen``), is below 100 % in
    every draw, and its interval [88.6 %, 98.6 %] missed its own estimate; so did a share the ACC draws'
    Dirichlet prior pulls off 0 or 1, and a net favorability of −1."""
    lo, hi = np.nanpercentile(draws, [(1 - level) / 2 * 100, (1 + level) / 2 * 100], axis=0)
    if point is not None:
        lo, hi = np.fmin(lo, point), np.fmax(hi, point)  # fmin/fmax: an undefined (NaN) estimate stretches nothing
    return lo, hi


# the prior of the label shares' draws (``count_shares_draw``): Jeffreys' for a multinomial, Dirichlet(½, …, ½)
JEFFREYS = 0.5


def count_shares_draw(rng, counts) -> np.ndarray:
    """One draw of the label shares the ``counts`` of the posts' labels were sampled from: Dirichlet(counts + ½),
    their posterior under Jeffreys' prior. Resampling the posts (a multinomial at the observed shares, as before)
    never moves a share of 0 or 1 and, on few posts, spreads around the sample's own shares, not the population's:
    one post gave "other 100.0 % [90.7 %, 100.0 %]" and every unseen topic [0.0 %, 1.3 %]; with a perfect
    classifier its intervals held the true share 47 % of the time at 8 posts, 91 % at 30. Each share's marginal
    is then a Beta(count + ½, ·), the Jeffreys interval for a proportion, whose coverage stays near its level
    down to a handful of items (Brown, Cai & DasGupta 2001, "Interval estimation for a binomial proportion"),
    as ``wbcs.viz.kpi.rate_interval``'s Clopper–Pearson does for the rates; with many posts it is the
    multinomial's spread."""
    return rng.dirichlet(np.asarray(counts, dtype=float) + JEFFREYS)


def corrected_shares(predicted, labels, confusion, *, n_boot: int = 1000, level: float = 0.95,
                     seed=0) -> pd.DataFrame:
    """Per label: n (posts predicted so), raw share, ACC-corrected share and its bootstrap
    interval (lo, hi). ``confusion`` holds cross-validation counts, rows and columns in the
    order of ``labels``."""
    labels = [str(x) for x in labels]
    pred = pd.Series(predicted, dtype="string").dropna().astype(str)
    unknown = sorted(set(pred) - set(labels))
    if unknown:
        raise InputError(f"predicted label {unknown[0]!r} is not in the model's confusion matrix ({', '.join(labels)})")
    counts = np.asarray(confusion, dtype=float)
    if counts.shape != (len(labels), len(labels)):
        raise InputError(f"confusion matrix is {counts.shape}, expected {len(labels)} x {len(labels)}")
    codes = pd.Categorical(pred, categories=labels).codes
    n = np.bincount(codes, minlength=len(labels))
    rows = pd.DataFrame({"label": labels, "n": n, "raw_share": n / max(1, n.sum())})
    if not n.sum():
        return rows.assign(corrected_share=np.nan, lo=np.nan, hi=np.nan)
    rows["corrected_share"] = acc(rows["raw_share"], misclassification(counts))
    rng = np.random.default_rng(seed)
    boot = np.empty((n_boot, len(labels)))
    for b in range(n_boot):
        q = count_shares_draw(rng, n)  # one draw of K shares, not one per post (``count_shares_draw``)
        m = np.vstack([rng.dirichlet(row + 1) for row in counts])
        boot[b] = acc(q, m)
    rows["lo"], rows["hi"] = percentile_interval(boot, level, rows["corrected_share"].to_numpy())
    rows.attrs["boot"] = boot
    return rows


def net_favorability(shares: pd.DataFrame, column: str = "corrected_share") -> float:
    """(pos − neg) / (pos + neg) from sentiment shares (null when both are 0)."""
    s = shares.set_index("label")[column]
    pos, neg = float(s.get("positive", 0.0)), float(s.get("negative", 0.0))
    return (pos - neg) / (pos + neg) if pos + neg > 0 else float("nan")


def signed(x: float, fmt: str = "+.2f") -> str:
    """A net favorability for a reader: signed, or why there is none (no positive and no negative share)."""
    return format(x, fmt) if np.isfinite(x) else "undefined (no positive or negative share)"


def favorability_text(summary: dict, fmt: str = FAVORABILITY_FORMAT, interval_fmt: str | None = None) -> str:
    """Net favorability and the negative share of a ``corrected_summary`` for a reader (``wbcs kpi``, the
    Corrected chart): the estimate with its interval, and the counted value beside it; "as counted" when the
    sentiment shares were not corrected (the counts kept: the interval is then the counts' own)."""
    nf, neg = summary["net_favorability"], summary.get("negative_share") or {}
    done = (summary.get("sentiment") or {}).get("corrected", True)

    def span(x: dict, f: str) -> str:
        return (f" [{x['interval'][0]:{f}}, {x['interval'][1]:{f}}]"
                if "interval" in x and np.isfinite(x["corrected"]) else "")

    how = "corrected" if done else "as counted, not corrected"
    text = f"net favorability {signed(nf['corrected'], fmt)}{span(nf, interval_fmt or fmt)} {how}"
    text += f" ({signed(nf['raw'], fmt)} as counted)" if done else ""
    if neg:
        text += (f"; negative share {neg['corrected']:.1%}{span(neg, '.1%')} {how}"
                 + (f" ({neg['raw']:.1%} as counted)" if done else ""))
    return text


def sentiment_indicators(shares: pd.DataFrame, level: float = 0.95) -> dict:
    """Negative share and net favorability, raw and corrected, from a sentiment shares table
    (``corrected_shares`` or ``corrected_table``), with percentile intervals from the table's
    bootstrap draws (``attrs["boot"]``) when it has them: net favorability is a ratio of two
    shares, so its interval comes from the draws, not from the shares' own intervals."""
    t = shares.set_index("label")
    lab = list(t.index)
    out = {"negative_share": {"raw": float(t["raw_share"].get("negative", np.nan)),
                              "corrected": float(t["corrected_share"].get("negative", np.nan))},
           "net_favorability": {"raw": net_favorability(shares, "raw_share"),
                                "corrected": net_favorability(shares)}}
    boot = shares.attrs.get("boot")
    if boot is not None and "negative" in lab and "positive" in lab:
        neg, pos = boot[:, lab.index("negative")], boot[:, lab.index("positive")]
        with np.errstate(invalid="ignore", divide="ignore"):
            nf = (pos - neg) / (pos + neg)
        for key, draws in (("negative_share", neg), ("net_favorability", nf)):
            out[key]["interval"] = [float(x) for x in percentile_interval(draws, level, out[key]["corrected"])]
    return out


def _confusion_of(posts: pd.DataFrame, field: str) -> dict | None:
    return ((posts.attrs.get("classified") or {}).get("cv_confusion") or {}).get(field)


def label_reliability(posts: pd.DataFrame, field: str) -> pd.DataFrame | None:
    """How far a model's label of ``field`` can be taken at its word, where some of the posts' labels of the field came
    from a model: per label, its precision (of the posts it calls X, the share that are X) and recall (of the posts
    that are X, the share it calls X) on its card's pooled out-of-fold confusion; null where CV never saw the label
    predicted (precision) or true (recall), of the model whose card ``attrs["classified"]`` holds for the field.
    None when none of the field's labels came from that model, or its card has no confusion.

    An alert or incident on a label counts the model's labels: a low precision means some of its posts are not X, a
    low recall that X's true volume is larger than counted."""
    conf = _confusion_of(posts, field)
    if conf is None or field not in posts:
        return None
    # the card's model's labels only: a field another model labelled (its name in <field>_model) is not described by
    # this card (a user's model's "negative" read the shipped model's 88 %/88 % for its own 55 %/67 %)
    labelled = model_labelled(posts, field)[0].to_numpy()
    if not (labelled & ~_other_models(posts, field, labelled)[0]).any():
        return None
    m = np.asarray(conf["matrix"], dtype=float)
    hits, called, true = np.diag(m), m.sum(axis=0), m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"precision": np.where(called > 0, hits / called, np.nan),
                             "recall": np.where(true > 0, hits / true, np.nan)},
                            index=pd.Index(conf["labels"], name="label"))


def reliability_text(reliability: pd.DataFrame | None, label) -> str:
    """``label``'s precision and recall from ``label_reliability`` for a reader ("" when there is none)."""
    if reliability is None or label not in reliability.index:
        return ""
    p, r = reliability.loc[label, ["precision", "recall"]]
    return "precision " + ("–" if np.isnan(p) else f"{p:.0%}") + ", recall " + ("–" if np.isnan(r) else f"{r:.0%}")


def _quantify_of(posts: pd.DataFrame, field: str) -> dict | None:
    return ((posts.attrs.get("classified") or {}).get("quantify") or {}).get(field)


# posts below which a card without "min_items" (from before it was recorded) keeps the counts: the smallest sample
# size the APP benchmark measured the corrections at (BENCHMARKS.md); smaller folds were never validated either
MIN_ITEMS = 100
OLD_CARD_NOTE = ("adjusted with the card's one pooled confusion (the card has no per-kind quantification: a model "
                 "trained before it): "
                 "on telecom first posts that was measured farther from the true shares than the counts "
                 "(BENCHMARKS.md); retrain for the method grouped CV chooses")


def quantified_shares(predicted, top_proba, info: dict, kind: str = POST_KIND, *, n_boot: int = 1000,
                      level: float = 0.95, seed=0) -> pd.DataFrame:
    """Per label: n (posts predicted so), raw share, the share by the method the training part's grouped CV
    chose for this kind of item (the card's ``cv_quantify``: ``card_entry``; a kind it does not know takes
    the choice made on all its rows) and its interval (lo, hi): the bootstrap draws widened by the method's
    per-label error in that CV (``widen``). ``top_proba``: each post's probability of its predicted label
    (``<field>_proba``); the posterior methods rebuild the rest (``top1``).

    Counted, not corrected, too: fewer posts than the CV's smallest validation fold (``min_items``), and posts
    farther from every mix of the training labels than any sample the CV measured the method at
    (``misfit`` > ``max_misfit``: posts of another kind, which no correction was validated on).

    attrs: method, kind (the one whose choice was used), corrected (False when the CV kept the counts:
    the "corrected" shares are then the raw ones, with intervals), note (why, for the reader), boot, misfit
    (the posts', for the chosen correction; NaN for CC)."""
    labels = list(info["labels"])
    key = kind if kind in info["chosen"] else "all"
    chosen = info["chosen"][key]
    stats = info["stats"][key if chosen["scope"] == "kind" else "all"]
    pred = pd.Series(predicted, dtype="string").astype(str).to_numpy()
    unknown = sorted(set(pred) - set(labels))
    if unknown:
        raise InputError(f"predicted label {unknown[0]!r} is not among the model's labels ({', '.join(labels)})")
    codes = pd.Categorical(pred, categories=labels).codes
    top = np.asarray(top_proba, dtype=float)
    method = chosen["estimator"]
    if method in ("PCC", "PACC", "EMQ") and not np.isfinite(top).all():
        method = "CC"  # the posts lost their probabilities: count
    n = np.bincount(codes, minlength=len(labels))
    fewest = chosen.get("min_items", MIN_ITEMS)
    few = method != "CC" and n.sum() < fewest
    if few:
        method = "CC"  # a correction's error on so few posts was never measured: count
    rows = pd.DataFrame({"label": labels, "n": n, "raw_share": n / max(1, n.sum())})
    if not n.sum():
        return rows.assign(corrected_share=np.nan, lo=np.nan, hi=np.nan)
    proba = np.zeros((len(codes), len(labels)))
    proba[np.arange(len(codes)), codes] = np.where(np.isfinite(top), np.clip(top, 1e-6, 1), 1.0)
    bias = (info.get("kind_bias") or {}).get(kind, info.get("bias"))  # the bias the model shifted these posts by
    off = misfit(method, proba, stats, bias=bias) if method != "CC" else float("nan")
    unlike = chosen.get("max_misfit") is not None and off > chosen["max_misfit"]
    if unlike:
        method = "CC"  # no mix of the training labels explains these posts: the correction's premise fails
    point, _, _, draws = estimate(method, proba, stats, bias=bias, n_boot=n_boot, level=level, seed=seed)
    lo, hi, draws = widen(draws, chosen["rmse"], seed=seed, level=level, point=point)
    rows["corrected_share"], rows["lo"], rows["hi"] = point, lo, hi
    corrected = method != "CC"
    cv = chosen.get("cv_tv", {})
    if few:
        few_posts = f"{n.sum()} post is" if n.sum() == 1 else f"{n.sum()} posts are"
        note = (f"not corrected: {few_posts} too few to correct; the correction chosen for this field "
                f"({chosen['method']}) was tested on at least {fewest} posts at a time, and on fewer its error is "
                f"unknown (a correction varies more the fewer the posts), so the counts are the estimate")
    elif unlike:
        note = (f"not corrected: these posts are unlike the training rows ({key}): their model probabilities lie "
                f"{off:.3f} (total variation) from the nearest mix of the training labels, farther than any "
                f"validation sample the method grouped CV chose ({chosen['method']}) was measured at "
                f"({chosen['max_misfit']:.3f}); a correction assumes the same kinds of posts in other proportions, "
                f"so the counts are the estimate (another platform or kind of message? label a sample of them)")
    elif chosen.get("unsampled"):
        note = (f"not corrected: the training rows of this kind ({key}) were not drawn at random (the workbench's "
                f"uncertainty sampling chose the posts the model was least sure of), so the model's errors on them "
                f"are not its errors on this kind's posts, which a correction needs; the counts are the estimate, "
                f"their interval widened by their own error in CV (label a random sample of this kind to correct)")
    elif method != chosen["estimator"]:
        note = (f"not corrected: the method grouped CV chose ({chosen['method']}) needs each post's probability, "
                f"which these posts do not carry; the counts are the estimate")
    elif corrected:
        nat = chosen.get("natural_tv", {})
        note = (f"{chosen['method']}: chosen by grouped CV on the training rows ({key}){_shifted(chosen)}: total "
                f"variation to the true shares {cv.get(chosen['method'], float('nan')):.3f} against "
                f"{cv.get('CC', float('nan')):.3f} for the counts"
                + (f" ({nat[chosen['method']]:.3f} against {nat['CC']:.3f} at the training mix)"
                   if chosen["method"] in nat and "CC" in nat else ""))
    else:
        note = (f"not corrected: when the model was tested on its training posts "
                f"({'all kinds' if key == 'all' else key}), in {chosen.get('folds', 5)} validation "
                f"folds{_shifted(chosen)}, no correction came closer to the true shares than the plain counts in at "
                f"least 4 of every 5 folds; so the counts are the estimate, and their interval includes the counts' "
                f"own error in that test")
    rows.attrs.update(method=chosen["method"] if corrected else "CC", kind=key, corrected=corrected, note=note,
                      boot=draws, misfit=off)
    return rows


def _shifted(chosen: dict) -> str:
    """How the card's CV measured the methods, for the notes (a card from before the shifted samples has none)."""
    n, bound = chosen.get("samples", 1), chosen.get("max_shift")
    if n <= 1:
        return ""
    if bound is None:
        return f" (each fold at its own mix and at {n - 1} shifted ones)"
    around = ", each label as likely to swell as to shrink" if chosen.get("directions") == "centred" else ""
    return f" (each fold at its own mix and at {n - 1} mixes shifted by up to {bound:g} in total variation{around})"


# where a posts table has no ``<field>_learnt`` column (``predict_posts``: a model folder from before the fingerprint
# of its training texts), said with a correction: posts the model was trained on may be among those corrected
UNGUARDED_NOTE = ("the model keeps no record of the texts it was trained on (a folder from before it): posts it "
                  "learnt cannot be told apart, and are corrected with the rest; retrain to count them instead")


def learnt_note(learnt: int, by_model: int) -> str:
    """Why a field's training texts among the posts are counted (``corrected_table``)."""
    return (f"{learnt:,} of {by_model:,} posts were the model's training texts: counted, not corrected, because the "
            f"model's cross-validated errors are not its errors on texts it learnt")


def _other_models(posts: pd.DataFrame, field: str, labelled: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """The ``labelled`` rows whose ``field`` label names a model (``field_models``: its ``<field>_model``, else an older
    file's ``label_model``) other than the one whose card ``attrs["classified"]`` holds for the field (``models``;
    ``model`` in a table from before it), and the names (rows naming none are that model's: a file from before the
    columns). None of them when the field has no card."""
    named = field_models(posts, field)
    classified = posts.attrs.get("classified") or {}
    # a field ``models`` leaves out has no card of its own (its model labelled none of it); an older table names one
    own = classified["models"].get(field) if "models" in classified else classified.get("model")
    if own is None:
        return np.zeros(len(posts), dtype=bool), named
    # masked with masked: a file names a model masked (run_138****5678/1), a run as it was given (run_13812345678/1)
    masked = named.map({n: mask_pii(n) for n in named.dropna().unique()})  # each name once
    other = masked.ne(mask_pii(str(own))) & named.notna()
    return labelled & other.to_numpy(dtype=bool), named


def corrected_table(posts: pd.DataFrame, field: str, *, kind: str = POST_KIND, n_boot: int = 1000,
                    seed=0, unguarded_note: bool = True) -> pd.DataFrame | None:
    """A field's shares over ``posts``, raw and corrected: label, n, raw_share, corrected_share, lo, hi.

    Labels a person gave (those ``wbcs.kpi.labels.model_labelled`` does not call a model's) are exact; so, nearly,
    are the model's on the texts it was trained on (``<field>_learnt``, from the model folder's fingerprint of them:
    ``predict_posts``), whose shares a correction moves away from the truth (its cross-validated errors are not its
    errors on texts it learnt: on all 1,964 STC-3 first posts, the shipped model's own training posts, net
    favorability corrected −0.81 against −0.89 counted and −0.889 true): both are counted as they are (the training
    posts' interval widened by the card's CV error, their labels not being quite exact). Only the model's other
    labels are estimated: by the method the card's grouped CV chose for ``kind`` (posts tables hold telecom first
    posts; ``quantified_shares``), or, for a card without it, ACC with the pooled cross-validated confusion
    (``predict_posts`` keeps both in ``posts.attrs["classified"]``). attrs: method, corrected (False: the estimate
    is the raw count), note, by_model (the model's labels, ``learnt`` of them its training texts), learnt (None: no
    fingerprint, they cannot be told apart; the note says so with a correction when ``unguarded_note``), given,
    boot. None when no row of the field came from a model with either (nothing to correct)."""
    info = _quantify_of(posts, field)
    conf = _confusion_of(posts, field)
    if (info is None and conf is None) or field not in posts:
        return None
    values = posts[field].astype("string")
    # told as in every layout wbcs wrote (model_labelled): the oldest predict's file has no <field>_source
    labelled = model_labelled(posts, field)[0].to_numpy()
    given = values.notna().to_numpy() & ~labelled
    # labels another model gave (its name in the file's <field>_model: a folder the registry does not hold, whose card
    # ``model_card_of`` could not read) are counted as they are: this card's errors are not that model's (a user's
    # sentiment model's labels were corrected with the shipped model's card, 70.4 % → 26.5 % negative, truth 54.9 %)
    other, named = _other_models(posts, field, labelled)
    labelled, given = labelled & ~other, given | other
    if not labelled.any():
        return None
    mark = posts.get(f"{field}_learnt")
    learnt = labelled & (mark.astype("boolean").fillna(False).to_numpy() if mark is not None else False)
    by_model = labelled & ~learnt
    labels = list(info["labels"] if info is not None else conf["labels"])
    if not by_model.any():  # every model label is a training text's: nothing left to correct
        model = pd.DataFrame({"label": labels, "n": 0}).assign(corrected_share=0.0, lo=0.0, hi=0.0)
        model.attrs.update(method="CC", kind="all", corrected=False, note="", boot=np.zeros((n_boot, len(labels))))
    elif info is not None:
        top = posts[f"{field}_proba"] if f"{field}_proba" in posts else pd.Series(np.nan, index=posts.index)
        model = quantified_shares(values[by_model], top.to_numpy(dtype=float)[by_model], info, kind,
                                  n_boot=n_boot, seed=seed)
    else:
        model = corrected_shares(values[by_model], labels, conf["matrix"], n_boot=n_boot, seed=seed)
        model.attrs.update(method="ACC (pooled)", kind="all", corrected=True, note=OLD_CARD_NOTE)
    human = values[given].value_counts().reindex(labels, fill_value=0).to_numpy()
    own = values[learnt].value_counts().reindex(labels, fill_value=0).to_numpy()
    n_model, n_all = int(by_model.sum()), int(by_model.sum() + (given | learnt).sum())
    w, w_own = n_model / n_all, int(learnt.sum()) / n_all
    # the training posts' shares as counted; their labels are nearly, not quite, their own (the shipped model's
    # on its 1,964 STC-3 training posts: 0.8 % of sentiments, 5.7 % of intents, 7.1 % of topics not the gold
    # label), so their interval is widened by the per-label error the card's CV measured on texts the model had
    # not learnt (``widen``): an upper bound for these (none from a card without it)
    share = own / max(1, own.sum())
    own_draws = np.tile(share, (n_boot, 1))
    own_lo = own_hi = share
    if learnt.any() and info is not None:
        rmse = info["chosen"][kind if kind in info["chosen"] else "all"]["rmse"]
        own_lo, own_hi, own_draws = widen(own_draws, rmse, seed=seed, point=share)
    out = pd.DataFrame({"label": labels, "n": model["n"].to_numpy() + human + own,
                        "raw_share": (model["n"].to_numpy() + human + own) / n_all})
    for col, mine in (("corrected_share", share), ("lo", own_lo), ("hi", own_hi)):
        out[col] = w * model[col].to_numpy() + w_own * mine + human / n_all
    note = model.attrs["note"]
    if other.any():
        note = (f"{note}; " if note else "") + (f"{int(other.sum()):,} labels of another model "
                                                f"({', '.join(named[other].astype(str).unique()[:3])})"
                                                " counted as they are, not corrected with this model's card")
    if mark is None and model.attrs["corrected"] and unguarded_note:
        note = f"{note}; {UNGUARDED_NOTE}"
    if learnt.any():
        note = (learnt_note(int(learnt.sum()), int(labelled.sum()))
                + (" (their interval: the per-label error the card's cross-validation measured on texts it had "
                   "not learnt)" if info is not None else "")
                + (f"; the others: {note}" if n_model else ""))
    # each bootstrap draw mixed the same way, so ratios of shares (net favorability) get intervals
    out.attrs.update(by_model=int(labelled.sum()), learnt=None if mark is None else int(learnt.sum()),
                     given=int(given.sum()), boot=w * model.attrs["boot"] + w_own * own_draws + human / n_all, note=note,
                     **{k: model.attrs[k] for k in ("method", "kind", "corrected")})
    return out


def corrected_summary(posts: pd.DataFrame, *, n_boot: int = 1000, seed=0) -> dict:
    """What ``wbcs kpi``, the report and the dashboard show next to the raw counts: per field with model labels,
    the raw and corrected shares; and the negative share and net favorability, raw and corrected. The three call it
    with these defaults, so the same posts get the same intervals in all three (the dashboard drew 300 once and
    gave other intervals than the report, which says its figures are the dashboard's). A model
    without the fingerprint of its training texts is said so once, with the first field it corrects."""
    out, said = {}, False
    for field in ("topic", "sentiment", "intent"):
        t = corrected_table(posts, field, n_boot=n_boot, seed=seed, unguarded_note=not said)
        if t is not None:
            said = said or UNGUARDED_NOTE in t.attrs["note"]
            out[field] = {"by_model": t.attrs["by_model"], "learnt": t.attrs["learnt"], "given": t.attrs["given"],
                          "method": t.attrs["method"], "corrected": t.attrs["corrected"], "note": t.attrs["note"],
                          "shares": t.to_dict("records")}
            if field == "sentiment":
                out.update(sentiment_indicators(t))
    return out


# ---------------------------------------------------------------------------------------------
# The other aggregative quantifiers of the literature (as QuaPy names them: CC, PCC, ACC, PACC,
# EMQ/SLD; Moreo, Esuli & Sebastiani 2021), on a classifier already trained: each takes the
# posts' posterior probabilities (rows: posts, columns: labels) and what it needs from the
# training rows' out-of-fold predictions.

def cc(proba) -> np.ndarray:
    """Classify and count: the shares of the posts' most probable labels."""
    p = np.asarray(proba, dtype=float)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / max(1, len(p))


def pcc(proba) -> np.ndarray:
    """Probabilistic classify and count (Bella et al. 2010): the mean posterior."""
    p = np.asarray(proba, dtype=float)
    return p.mean(axis=0) if len(p) else np.full(p.shape[1], np.nan)


def pacc(proba, mp) -> np.ndarray:
    """Probabilistic ACC (Bella et al. 2010): ACC's system with the mean posterior for the observed
    shares and ``mp[i, j]`` = the mean posterior of label j over training rows of true label i
    (out of fold) for ``M``."""
    return acc(pcc(proba), mp)


def emq(proba, train_prior, *, tol: float = 1e-6, max_iter: int = 1000, start=None) -> np.ndarray:
    """EMQ / SLD (Saerens, Latinne & Decaestecker 2002): the posteriors, learnt under the training
    prior ``π``, are re-weighted by p(y)/π(y) and renormalised; p is their mean; repeated until p
    moves less than ``tol``. Maximum likelihood under prior shift, if the posteriors are calibrated.
    ``start``: the first p (default π; a bootstrap draw starts from the point estimate)."""
    post = np.asarray(proba, dtype=float)
    prior = np.clip(np.asarray(train_prior, dtype=float), 1e-12, None)
    prior = prior / prior.sum()
    p = prior.copy() if start is None else np.asarray(start, dtype=float).copy()
    for _ in range(max_iter):
        w = post * (p / prior)
        w /= np.clip(w.sum(axis=1, keepdims=True), 1e-300, None)
        new = w.mean(axis=0)
        if np.abs(new - p).max() < tol:
            return new
        p = new
    return p


def tv(a, b) -> float:
    """Total variation distance between two share vectors: half the L1 distance (the largest
    difference the two give to any set of labels)."""
    return float(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)).sum() / 2)


def unshift(proba, labels, bias) -> np.ndarray:
    """The model's probabilities before its class bias (``baseline.shift`` adds ``bias[label]`` to the
    log-probabilities and renormalises, so subtracting it undoes it exactly). ``bias``: {label: offset}, or each
    row's offsets (``row_bias``: rows of kinds with a bias of their own)."""
    from wbcs.classify.baseline import shift

    if isinstance(bias, np.ndarray):
        return shift(np.asarray(proba, dtype=float), labels, -bias)
    return shift(np.asarray(proba, dtype=float), labels, {k: -float(v) for k, v in (bias or {}).items()} or None)


def row_bias(labels, bias: dict | None, kind_bias: dict | None, kinds) -> np.ndarray | dict | None:
    """Each row's class-bias offsets (rows × ``labels``): its kind's own (``kind_bias``: {kind: {label: offset}},
    ``TextClassifier.kind_bias``) or else ``bias``; just ``bias`` when no kind has its own."""
    if not kind_bias:
        return bias
    kinds = np.asarray(kinds).astype(str)
    out = np.tile([float((bias or {}).get(str(c), 0.0)) for c in labels], (len(kinds), 1))
    for kind, own in kind_bias.items():
        out[kinds == kind] = [float(own.get(str(c), 0.0)) for c in labels]
    return out


def bias_at(bias, rows):
    """``bias`` (``row_bias``: a dict, or an array of offsets per row) of the rows ``rows``."""
    return bias[rows] if isinstance(bias, np.ndarray) else bias


def top1(proba, split) -> np.ndarray:
    """Posteriors as a posts table keeps them: the predicted label's probability (``<field>_proba``)
    exact, the rest of the mass shared among the other labels as, on the training rows predicted the
    same label, the model shared it on average (``split``: rows = predicted label, sums of the model's
    probabilities). Only the argmax and the maximum of ``proba`` are used."""
    proba = np.asarray(proba, dtype=float)
    k = proba.shape[1]
    s = np.asarray(split, dtype=float) * (1 - np.eye(k))
    tot = s.sum(axis=1, keepdims=True)
    share = np.where(tot > 0, s / np.where(tot > 0, tot, 1), (1 - np.eye(k)) / max(1, k - 1))
    j = proba.argmax(axis=1)
    top = proba[np.arange(len(proba)), j]
    out = (1 - top)[:, None] * share[j]
    out[np.arange(len(proba)), j] = top
    return out


def training_stats(y, proba, labels, bias: dict | np.ndarray | None = None, *, full: bool = False) -> dict:
    """What the quantifiers learn from labelled rows' out-of-fold probabilities (``proba``: as the model
    gives them, class bias included; columns ``labels``): ``confusion``, the counts of its labels per
    true label (ACC); ``split``, per predicted label the sums of its probabilities (``top1``: the
    posteriors a posts table implies); ``posterior_sum``, per true label the sums of those posteriors
    before the class bias (PACC: their means are its ``M``; their column sums over ``rows`` are the prior
    the posteriors assume, EMQ's); ``rows`` per true label. ``full``: those sums of the rows' whole probability
    vectors, not of the posteriors a posts table implies (to go with ``estimate(..., full=True)``: a
    comparison of what keeping only the top probability costs)."""
    labels = [str(x) for x in labels]
    y = pd.Categorical(np.asarray(y).astype(str), categories=labels).codes
    proba = np.asarray(proba, dtype=float)
    k = len(labels)
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (y, proba.argmax(axis=1)), 1)
    split = np.zeros((k, k))
    np.add.at(split, proba.argmax(axis=1), proba)
    sums = np.zeros((k, k))
    np.add.at(sums, y, unshift(proba if full else top1(proba, split), labels, bias))
    return {"labels": labels, "confusion": confusion.tolist(), "split": split.round(6).tolist(),
            "posterior_sum": sums.round(6).tolist(), "rows": np.bincount(y, minlength=k).tolist()}


METHODS = ("CC", "PCC", "ACC", "PACC", "EMQ")


def estimate(method: str, proba, stats: dict, *, bias: dict | np.ndarray | None = None, n_boot: int = 0, seed=0,
             level: float = 0.95, full: bool = False, raw=None):
    """Shares of ``proba``'s rows (the model's probabilities, class bias included, columns
    ``stats["labels"]``; only each row's largest is used, as a posts table keeps it: ``top1``) by
    ``method`` (one of ``METHODS``) with the training ``stats`` (``training_stats``); with ``n_boot``, a
    tuple (shares, lo, hi, draws): the percentile interval and the bootstrap draws. ``full``: use the
    rows' whole probability vectors instead (what a posts table does not keep; for comparison). ``raw``: the
    posteriors before the class bias, as this function would rebuild them from ``proba`` and ``stats`` (given
    by a caller that runs several methods on the same rows and statistics: ``cv_quantifiers``).

    CC and ACC count the predicted labels; PCC, PACC and EMQ use the posteriors before the class bias
    (the bias moves the labels towards macro-F1, not the probabilities towards the truth). EMQ's
    training prior is the one the posteriors assume (their mean on the training rows): the models
    weigh their classes, so it is not the rows' label shares.

    The draws resample the posts (CC and ACC: draw the counted shares from their posterior, ``count_shares_draw``),
    and for ACC the confusion rows from their Dirichlet posterior, for
    PACC the mean-posterior rows from a Dirichlet with the rows' count as concentration (the variance of
    a mean of probability vectors is at most that: conservative)."""
    labels = stats["labels"]
    proba = np.asarray(proba, dtype=float)
    raw = unshift(proba if full else top1(proba, stats["split"]), labels, bias) if raw is None else raw
    conf = np.asarray(stats["confusion"], dtype=float)
    rows = np.asarray(stats["rows"], dtype=float)
    sums = np.asarray(stats["posterior_sum"], dtype=float)
    mp = mean_posteriors(stats)
    assumed = sums.sum(axis=0) + 1e-3

    def one(p_model, p_raw, m_acc, m_pacc, start=None):
        if method == "CC":
            return cc(p_model)
        if method == "PCC":
            return pcc(p_raw)
        if method == "ACC":
            return acc(cc(p_model), m_acc)
        if method == "PACC":
            return acc(pcc(p_raw), m_pacc)
        if method == "EMQ":
            # the draws start from the estimate and stop at QuaPy's SLD tolerance (1e-4): 10x faster
            return emq(p_raw, assumed) if start is None else emq(p_raw, assumed, start=start, tol=1e-4)
        raise InputError(f"quantification method {method!r}: use one of {', '.join(METHODS)}")

    point = one(proba, raw, misclassification(conf), mp)
    if not n_boot:
        return point
    rng = np.random.default_rng(seed)
    k, n = len(labels), len(proba)
    # resampling the posts, without copying them (200,000 posts × 1,000 draws): the counting methods need
    # only the label counts, their shares drawn from their posterior (``count_shares_draw``: a resample of the
    # posts never moves a share of 0); PCC and PACC only the mean posterior, which past a few
    # thousand posts is normal (its covariance / n); EMQ, which needs the rows, resamples 5,000 of them and
    # scales their spread to n (m-out-of-n bootstrap)
    counts = np.bincount(proba.argmax(axis=1), minlength=k)
    few = n <= BOOT_ROWS
    if method in ("PCC", "PACC") and not few:
        mu, chol = raw.mean(axis=0), np.linalg.cholesky(np.cov(raw.T) / n + 1e-12 * np.eye(k))
    draws = np.empty((n_boot, k))
    for b in range(n_boot):
        m_acc = np.vstack([rng.dirichlet(r + 1) for r in conf]) if method == "ACC" else None
        m_pacc = np.vstack([rng.dirichlet(np.clip(r, 1e-3, None) * c + 1) if c else np.eye(k)[j]
                            for j, (r, c) in enumerate(zip(mp, rows, strict=True))]) if method == "PACC" else None
        if method in ("CC", "ACC"):
            q = count_shares_draw(rng, counts)
            draws[b] = q if method == "CC" else acc(q, m_acc)
        elif method in ("PCC", "PACC"):
            mean = raw[rng.integers(0, n, n)].mean(axis=0) if few else np.clip(mu + chol @ rng.normal(size=k), 0, None)
            mean = mean / mean.sum()
            draws[b] = mean if method == "PCC" else acc(mean, m_pacc)
        else:
            i = rng.integers(0, n, min(n, BOOT_ROWS))
            d = one(None, raw[i], None, None, start=point)
            draws[b] = d if few else np.clip(point + (d - point) * np.sqrt(BOOT_ROWS / n), 0, None)
    lo, hi = np.percentile(draws, [(1 - level) / 2 * 100, (1 + level) / 2 * 100], axis=0)
    return point, lo, hi, draws


def mean_posteriors(stats: dict) -> np.ndarray:
    """PACC's ``M``: per true label (rows) the mean of the training rows' posteriors before the class bias; a
    label without rows is the identity row (no correction for it)."""
    rows = np.asarray(stats["rows"], dtype=float)
    sums = np.asarray(stats["posterior_sum"], dtype=float)
    return np.where(rows[:, None] > 0, sums / np.where(rows > 0, rows, 1)[:, None], np.eye(len(rows)))


def misfit(method: str, proba, stats: dict, *, bias: dict | np.ndarray | None = None, raw=None) -> float:
    """How far the posts are from any mix of the training rows' labels, as the correction ``method`` sees them:
    the total variation between what it observes (ACC: the predicted labels' shares; PCC, PACC, EMQ: the mean
    posterior before the class bias) and the nearest ``Mᵀp`` over shares p (``acc``'s fit; ``M`` the confusion
    or the mean posteriors, ``mean_posteriors``). Every correction assumes prior shift — the posts are the
    training labels' posts in other proportions — under which that distance is only sampling noise; posts of
    another kind (another platform, another kind of message) leave a residual no mix explains, and the
    correction then moves the shares anywhere (on general Weibo posts PACC put every post in neutral). NaN for
    CC, which assumes nothing. ``proba``/``raw`` as in ``estimate``."""
    if method == "CC":
        return float("nan")
    proba = np.asarray(proba, dtype=float)
    if method == "ACC":
        q, m = cc(proba), misclassification(np.asarray(stats["confusion"], dtype=float))
    else:
        raw = unshift(top1(proba, stats["split"]), stats["labels"], bias) if raw is None else raw
        q, m = pcc(raw), mean_posteriors(stats)
    return tv(m.T @ acc(q, m), q)


BOOT_ROWS = 5000  # posts past which the bootstrap draws are not made of resampled rows (``estimate``)


# How far label shares move from one month to the next, as total variation (TV) from the whole period's mix: the
# training part's telecom first posts dated by their Weibo ids (2012–2016), each calendar month with ≥ 30 of them
# (26 months, ≈ 44 each): intent median 0.064, 90th percentile 0.128, max 0.286; sentiment 0.053 / 0.128 / 0.280;
# negative subtype (18 months) 0.036 / 0.049 / 0.061. Months of the same sizes drawn at random from the whole mix
# move as far by sampling alone (intent 0.069 / 0.118, sentiment 0.050 / 0.102, subtype 0.025 / 0.085): most of a
# month's shift is noise, a real one is smaller. The shifted samples' TV is spread evenly up to 0.15, the 90th
# percentile of intent's and sentiment's months (0.128), rounded up: its median, 0.075, is a month's with its
# noise. The bound of 2026-12-05, 0.3 (the largest month, measured with the test part's months among them), put
# half the samples past every month but two or three, where the counts' bias outgrows a correction's noise.
# (BENCHMARKS.md, "Shifts centred on the mix"; reproduce: ``benchmarks.bench_telecom --part shift_rule``.)
MAX_SHIFT = 0.15


# (name, method, statistics: of every kind or of the same kind only)
VARIANTS = (("CC", "CC", "pooled"), ("PCC", "PCC", "pooled"), ("ACC (pooled)", "ACC", "pooled"),
            ("ACC (kind)", "ACC", "kind"), ("PACC (pooled)", "PACC", "pooled"), ("PACC (kind)", "PACC", "kind"),
            ("EMQ", "EMQ", "pooled"))


def widen(draws, rmse, seed=0, level: float = 0.95, point=None):
    """Bootstrap draws widened by the method's own error as CV measured it (per label, ``rmse``): each
    draw moved by a normal error of that size, clipped at 0 and renormalised; returns (lo, hi, draws),
    the interval holding ``point`` where given (``percentile_interval``).
    The bootstrap holds the sampling and the statistics' noise, not the method's bias on this kind of
    item, which is what the counts' and a misfit correction's intervals missed (BENCHMARKS.md)."""
    draws = np.asarray(draws, dtype=float)
    rng = np.random.default_rng(seed)
    wide = np.clip(draws + rng.normal(0, 1, draws.shape) * np.asarray(rmse, dtype=float), 0, None)
    wide /= np.clip(wide.sum(axis=1, keepdims=True), 1e-12, None)
    return (*percentile_interval(wide, level, point), wide)


def cv_quantifiers(y, proba, labels, kinds, folds, *, bias: dict | np.ndarray | None = None, n_boot: int = 500,
                   seed=0, variants=VARIANTS, app: int = 0, app_seed=None,
                   max_shift: float | None = MAX_SHIFT, centred: bool = True, meter=None) -> pd.DataFrame:
    """Grouped cross-validation of the quantifiers on the training rows' out-of-fold probabilities:
    for every validation fold and kind of item, each variant estimates the shares of that kind's rows of the
    fold with statistics learnt from the other folds only (of every kind, or of the same kind).

    ``app``: besides the fold's rows as they are (sample 0, the training mix), that many samples of them at
    shifted prevalences (``app_sample``: as many items as those rows, drawn with replacement per label; seeded
    by ``app_seed``, default ``seed``): quantification is for the weeks whose mix moved, and folds at the
    training mix cannot tell a correction from the counts (BENCHMARKS.md, APP). The prevalences: with
    ``max_shift`` (default ``MAX_SHIFT``, 0.15: as far as nine months in ten of dated telecom first posts moved),
    ``bounded_prevalences`` around the mix of the fold's rows of that kind, their TV from it spread evenly over
    [0, max_shift] — the shifts a team meets, and no farther — in directions ``centred`` on that mix (a label as
    likely to swell as to shrink; False: leaning toward the flat mix, the rule of 2026-12-05, kept to measure
    it); with ``max_shift=None``, flat-Dirichlet mixes over
    the labels the fold's rows have (``app_prevalences``: the artificial-prevalence protocol as QuaPy runs it,
    mostly farther than any month seen; the rule of a76ed89, kept to measure it). Only the validation rows are
    resampled: the statistics stay the other folds', so no row is quantified with what it taught.

    One row per (fold, kind, sample, method): items, sample, shift (TV of the sample's true shares from the
    other folds' rows of that kind), fold_shift (from the fold's own rows' mix: what ``max_shift`` bounds, up
    to whole items), max_shift (NaN: flat Dirichlet), directions (of the bounded shifts: "centred" or "flat";
    None: flat Dirichlet), tv (to the sample's true shares), err (estimate − truth per
    label), misfit (``misfit``: the sample's distance from any mix of the statistics' labels), held
    (labels whose 95 % bootstrap interval holds the true share; sample 0 only) and held_wide (with the draws
    widened by the method's per-label RMSE on the other folds' own rows, ``widen``); draws: the bootstrap draws.
    ``meter``: a progress bar (``wbcs.progress.bar``) advanced once per validation fold."""
    labels = [str(x) for x in labels]
    y, kinds = np.asarray(y).astype(str), np.asarray(kinds).astype(str)
    proba = np.asarray(proba, dtype=float)
    k = len(labels)
    codes_all = pd.Categorical(y, categories=labels).codes
    rng = np.random.default_rng(seed if app_seed is None else app_seed)
    out = []
    for f, (_, te) in enumerate(folds):
        rest = np.setdiff1d(np.arange(len(y)), te)
        pooled = training_stats(y[rest], proba[rest], labels, bias_at(bias, rest))
        for kind in np.unique(kinds[te]):
            here = te[kinds[te] == kind]
            same = rest[kinds[rest] == kind]
            st = {"pooled": pooled, "kind": training_stats(y[same], proba[same], labels, bias_at(bias, same))}
            codes = codes_all[here]
            trained = np.bincount(codes_all[same], minlength=k) / max(1, len(same))
            samples = [np.arange(len(here))]
            present = np.flatnonzero(np.bincount(codes, minlength=k))
            mix = np.bincount(codes, minlength=k) / len(codes)
            if app and len(present) > 1:
                prevs = np.zeros((app, k))
                if max_shift is None:
                    prevs[:, present] = app_prevalences(len(present), app, seed=int(rng.integers(2**32)))
                else:
                    prevs = bounded_prevalences(mix, app, max_shift=max_shift, seed=int(rng.integers(2**32)),
                                                centred=centred)
                samples += [app_sample(codes, p, len(here), seed=int(rng.integers(2**32))) for p in prevs]
            for s, idx in enumerate(samples):
                rows = here[idx]
                truth = np.bincount(codes[idx], minlength=k) / len(idx)
                boot = n_boot if s == 0 else 0
                # the posteriors each scope's statistics rebuild, once for all the variants (a third of the time)
                raw = {sc: unshift(top1(proba[rows], v["split"]), labels, bias_at(bias, rows)) for sc, v in st.items()}
                for name, method, scope in variants:
                    if boot:
                        point, lo, hi, draws = estimate(method, proba[rows], st[scope], bias=bias_at(bias, rows), n_boot=boot,
                                                       seed=seed, raw=raw[scope])
                        held = int(((lo <= truth + 1e-9) & (truth <= hi + 1e-9)).sum())
                    else:
                        point, draws, held = (estimate(method, proba[rows], st[scope], bias=bias_at(bias, rows), raw=raw[scope]),
                                              None, np.nan)
                    out.append({"fold": f, "kind": kind, "sample": s, "method": name, "items": len(rows),
                                "shift": tv(truth, trained), "fold_shift": tv(truth, mix),
                                "max_shift": np.nan if max_shift is None else max_shift,
                                "directions": None if max_shift is None else "centred" if centred else "flat",
                                "tv": tv(point, truth), "err": point - truth,
                                "misfit": misfit(method, proba[rows], st[scope], bias=bias_at(bias, rows), raw=raw[scope]),
                                "draws": draws, "truth": truth, "held": held, "labels": k})
        if meter is not None:
            meter.update()
    cv = pd.DataFrame(out)
    held = []
    for _, r in cv.iterrows():
        if r["draws"] is None:
            held.append(np.nan)
            continue
        others = cv[(cv["kind"] == r["kind"]) & (cv["method"] == r["method"]) & (cv["fold"] != r["fold"])
                    & (cv["sample"] == 0)]
        rmse = np.sqrt(np.mean(np.vstack(others["err"]) ** 2, axis=0)) if len(others) else 0.0
        lo, hi, _ = widen(r["draws"], rmse, seed=seed)
        held.append(int(((lo <= r["truth"] + 1e-9) & (r["truth"] <= hi + 1e-9)).sum()))
    return cv.assign(held_wide=held)


def choose_methods(cv: pd.DataFrame, *, min_wins: float = 0.8, unsampled=()) -> dict:
    """Per kind of item, the quantifier the CV (``quantifier_cv``) chooses, measured where it will be used:
    on each validation fold's rows at the training mix and at shifted prevalences (``cv_quantifiers(app=…)``;
    a ``cv`` without a ``sample`` column has one sample per fold, the training mix).

    The rule (written down before any test-part figure of it was seen; the bounded shift of 2026-12-05 too, and
    its centred directions and bound of 2026-12-06, chosen on the training part's months and one-label shifts):
    each fold is measured on its own rows (sample 0) and on 10 samples of them whose mix lies at a TV from the
    fold's own mix spread evenly over [0, ``MAX_SHIFT``] = [0, 0.15] (``bounded_prevalences``: the shifts a team
    meets — nine months in ten of the training part's dated telecom first posts moved intent's and sentiment's
    shares by less than 0.13, sampling noise included — not the flat Dirichlet's, nearly all of whose mixes lie
    beyond), in directions centred on the fold's mix (a label as likely to swell as to shrink, as months move around the
    whole period's mix; directions leaning toward the flat mix shrank the telecom first posts' complaints in
    nearly every sample, and chose for intent a correction, PCC, that only wins there: on the training part's
    real months and one-label shifts the counts were closer, BENCHMARKS.md). A fold's
    error for a method is its mean total variation (TV) over the fold's samples; among the corrections closer
    to the true shares than the raw count (CC) in at least ``min_wins`` of the folds (4 in 5), the one with
    the lowest mean TV over all samples, when it is also lower than CC's; otherwise CC (the counts,
    uncorrected). The samples are weighted alike: the mean is over a shift uniform on [0, 0.15] (sample 0 at
    no shift), so a method that wins only past 0.15 is not chosen, and one that loses the training mix but wins
    from a shift of 0.05 on may be.

    Why the fold, not the sample, is what must be won: a fold's samples share its statistics (the confusion,
    the mean posteriors: learnt once from the other folds), so they are not independent evidence about them;
    a correction whose statistics are too noisy (a confusion learnt from a handful of rare-label rows) loses
    to the counts on most samples of the folds it is noisy in, and is refused, as before. Why the threshold
    stays 4 in 5 under shift: at the training mix alone (the old samples) a correction could at best tie with
    the counts, whose bias is nil there, so 4 in 5 asked for a gain that is not there to be had, and the
    rule kept CC or PCC, the methods that degrade most with shift (BENCHMARKS.md, APP); with shifted samples
    in each fold, a correction that undoes the classifier's errors wins in almost every fold by a margin that
    grows with the shift, and one that does not still fails the 4 in 5. With the shift bounded by 0.15, that
    margin is smaller (a stable bias costs the counts little so near the fold's mix): the 4 in 5 then keeps the counts where their bias does not show within the shifts a team meets,
    which is the point of bounding them. Why not a simple majority: a
    correction's gain over the counts varies from fold to fold (on telecom first posts, intent's PACC was
    closer in 3 of 5 folds and then farther on the test part), and analysts should see a correction only
    where the evidence for it is more than a coin's. A perfect classifier (or one whose errors cancel at
    every mix) gives corrections that tie with the counts: no win, CC is kept. What choosing under shift may
    cost at the training mix is kept in ``natural_tv`` (the mean TV of the folds' own rows), not used by the
    rule.

    ``unsampled``: kinds some of whose rows were not drawn at random from their kind (the gold set's training
    turns, chosen by uncertainty sampling: ``goldset.drawn_at_random``). A correction learns the model's errors
    per label from the rows, and on the posts the model was least sure of it errs more than on its kind's
    posts, so the correction over-corrects, and CV on those same rows cannot see it (on the test part's random
    later messages the chosen PACC was 0.18 from the true shares where the counts were 0.07: BENCHMARKS.md,
    the misfit guard). Those kinds, and "all" (their rows pooled with the others), keep the counts
    (``"unsampled": True``); the other kinds may choose only corrections learnt from their own kind's rows.

    {kind: {"method", "estimator", "scope", "rmse" (the chosen method's error per label over the folds' own
    rows: ``widen``), "cv_tv": {method: mean TV over all samples}, "natural_tv": {method: mean TV at the training
    mix}, "wins": {method: folds closer than CC}, "cv_coverage": {method: share of the widened intervals
    holding the truth}, "folds", "samples" (per fold: 1 + the shifted ones), "max_shift" (the bound on the
    shifted samples' TV from the fold's mix; None: flat Dirichlet or no shifted sample), "directions" (theirs:
    "centred" or "flat"; None as for max_shift), "min_items" (the
    smallest validation fold's items: ``quantified_shares`` corrects no fewer posts than that), "max_misfit"
    (the chosen correction's largest ``misfit`` over every fold and sample, rounded up to 4 decimals:
    ``quantified_shares`` corrects no posts farther from the training mixes than that; None for CC)}}."""
    out = {}
    if "sample" not in cv:
        cv = cv.assign(sample=0)
    for kind, g in cv.groupby("kind", sort=True):
        means = g.groupby("method", sort=False)["tv"].mean()
        natural = g[g["sample"] == 0].groupby("method", sort=False)["tv"].mean()
        cover = g[g["held_wide"].notna()].groupby("method", sort=False)[["held_wide", "labels"]].sum()
        by_fold = g.groupby(["method", "fold"], sort=False)["tv"].mean()
        cc_tv = by_fold["CC"]
        wins = {str(m): int((by_fold[m] < cc_tv.reindex(by_fold[m].index) - 1e-12).sum())
                for m in g["method"].unique()}
        folds = int(g["fold"].nunique())
        biased = bool(len(unsampled)) and (kind in unsampled or kind == "all")
        # pooled statistics hold the unsampled rows too: with any, only a kind's own statistics are unbiased
        own_stats = [m for m in means.index if not unsampled or m.endswith("(kind)")]
        ok = [m for m in own_stats if m != "CC" and wins[m] >= min_wins * folds and means[m] < means["CC"]]
        best = min(ok, key=lambda m: means[m]) if ok and not biased else "CC"
        estimator, _, scope = best.partition(" (")
        # the largest misfit the chosen correction was validated at: posts farther from every mix of the
        # training labels are not what the CV measured it on (``quantified_shares`` counts them instead)
        fit = g.loc[g["method"] == best, "misfit"] if "misfit" in g else pd.Series(dtype=float)
        # the widening (``widen``) keeps measuring the error at the folds' own mix, as before the shifted samples
        # (its coverage was measured so; with flat-Dirichlet mixes, mostly farther than a plausible week, the
        # error over all samples made every interval span most of [0, 1]; over bounded ones it is unmeasured)
        err = np.vstack(g[(g["method"] == best) & (g["sample"] == 0)]["err"])
        own = g[(g["sample"] == 0) & (g["method"] == "CC")]
        out[str(kind)] = {"method": best, "estimator": estimator, "scope": scope.rstrip(")") or "pooled",
                          "min_items": int(own["items"].min()),
                          "rmse": np.sqrt(np.mean(err ** 2, axis=0)).round(4).tolist(),
                          "cv_tv": {str(k): round(float(v), 4) for k, v in means.items()},
                          "natural_tv": {str(k): round(float(v), 4) for k, v in natural.items()}, "wins": wins,
                          "cv_coverage": {str(k): round(float(r["held_wide"] / r["labels"]), 3)
                                          for k, r in cover.iterrows()}, "folds": folds,
                          "samples": int(g.groupby("fold")["sample"].nunique().max()),
                          "max_shift": _bound(g), "directions": _directions(g),
                          "max_misfit": float(np.ceil(fit.max() * 1e4) / 1e4) if fit.notna().any() else None,
                          **({"unsampled": True} if biased else {})}
    return out


def _directions(cv: pd.DataFrame) -> str | None:
    """The directions of the bounded shifted samples ("centred" or "flat"; None: none, flat Dirichlet, or a ``cv``
    from before the directions were recorded, which were "flat")."""
    if "directions" not in cv:
        return None
    found = cv.loc[cv["sample"] > 0, "directions"].dropna().unique()
    return str(found[0]) if len(found) else None


def _bound(cv: pd.DataFrame) -> float | None:
    """The bound on the shifted samples' TV from their fold's mix (None: flat Dirichlet, none shifted, or a
    ``cv`` from before the bound)."""
    if "max_shift" not in cv or not (cv["sample"] > 0).any():
        return None
    bound = cv.loc[cv["sample"] > 0, "max_shift"].dropna()
    return float(bound.max()) if len(bound) else None


# partitions of the out-of-fold rows, and shifted samples per validation fold and kind of item besides its own rows
# (``quantifier_cv``): 10 × 5 folds × 11 samples. 20 partitions at 10 samples took 35–40 s for intent's 3,235
# training rows and four kinds on the shared 2-core machine (10: 21 s with the bootstrap, sentiment 8.5 s, topic
# 7 s); on the training part, 10 and 20 partitions chose the same methods but for intent's "all" (PACC or ACC,
# pooled: 0.118 and 0.132 mean TV) and sentiment's other helpdesks' first posts (ACC or PACC), where the
# candidates are within a few thousandths or a few folds of each other
REPEATS = 10
APP_SAMPLES = 10


def quantifier_cv(y, proba, labels, fold, kinds=None, *, bias: dict | np.ndarray | None = None, n_boot: int = 200, seed=0,
                  repeats: int = REPEATS, app: int = APP_SAMPLES, max_shift: float | None = MAX_SHIFT,
                  centred: bool = True) -> pd.DataFrame:
    """``cv_quantifiers`` for every kind of item (``kinds``; the rows of all kinds together as "all"),
    repeated: the first repeat uses the trainer's grouped folds (``fold``: each row's validation fold), with
    the bootstrap (coverage); each further repeat deals the same out-of-fold rows into as many random folds,
    point estimates only. The rows' probabilities came from models that never saw them, whichever fold the
    quantifier then puts them in, so repeating costs no refit, and a method's gain over the counts rests on
    ``repeats`` × folds comparisons instead of one partition's 5: with one partition, and still with 5,
    the win counts of intent's and topic's corrections on first posts straddled the 4-in-5 threshold from
    one fold seed to the next (BENCHMARKS.md). ``app``: shifted samples of each validation fold besides its
    own rows (``cv_quantifiers``; the bootstrap on its own rows only), seeded per repeat, so that the choice
    is made where quantification is used, under prevalence shift; ``max_shift`` bounds their TV from the fold's
    mix (None: flat Dirichlet, the earlier rule), ``centred`` their directions. ``fold`` in the result numbers the folds
    of all repeats; ``sample`` 0 is each fold's own rows."""
    from wbcs.progress import bar

    labels = [str(x) for x in labels]
    y, fold = np.asarray(y).astype(str), np.asarray(fold)
    proba = np.asarray(proba, dtype=float)
    n_folds = len(np.unique(fold))
    kinds = None if kinds is None else np.asarray(kinds).astype(str)
    parts = [np.full(len(y), "all")] + ([kinds] if kinds is not None and len(np.unique(kinds)) > 1 else [])
    rng = np.random.default_rng(seed)
    app_seeds = np.random.SeedSequence(seed).spawn(repeats)
    out = []
    # a step per repeat, grouping of the rows and validation fold: the trainer's phase 'choosing how its shares are
    # counted' ran 11-36 s a field with only its name shown, and a step per repeat and grouping showed the first
    # repeat, with the bootstrap about half the time, as one step
    with bar(total=repeats * len(parts) * n_folds, desc="quantifier CV", leave=False) as meter:
        for r in range(repeats):
            f = fold if r == 0 else rng.permutation(len(y)) % n_folds
            folds = [(np.flatnonzero(f != k), np.flatnonzero(f == k)) for k in np.unique(f)]
            for part in parts:
                cv = cv_quantifiers(y, proba, labels, part, folds, bias=bias, n_boot=n_boot if r == 0 else 0,
                                    seed=seed, app=app, app_seed=app_seeds[r], max_shift=max_shift, centred=centred,
                                    meter=meter)
                out.append(cv.assign(repeat=r, fold=cv["fold"] + r * n_folds))
    return pd.concat(out, ignore_index=True)


def card_entry(y, proba, labels, fold, kinds=None, *, bias: dict | None = None, kind_bias: dict | None = None,
               bias_kinds=None, n_boot: int = 200, seed=0, repeats: int = REPEATS, app: int = APP_SAMPLES,
               max_shift: float | None = MAX_SHIFT, centred: bool = True, unsampled=()) -> dict:
    """The card's ``cv_quantify`` for a field, from the chosen configuration's out-of-fold probabilities
    on the training rows (``proba``: class bias included; ``fold``: each row's validation fold; ``kinds``:
    each row's kind of item, or None): the statistics of all rows ("all") and of each kind
    (``training_stats``), and per kind the method the repeated CV chooses (``quantifier_cv``,
    ``choose_methods``), what ``corrected_table`` uses. ``kind_bias``: the kinds with a class bias of their own
    (the model's ``kind_bias``), ``bias_kinds`` every row's kind for it: each row is un-shifted by its own."""
    labels = [str(x) for x in labels]
    y = np.asarray(y).astype(str)
    proba = np.asarray(proba, dtype=float)
    rb = row_bias(labels, bias, kind_bias, bias_kinds)
    cv = quantifier_cv(y, proba, labels, fold, kinds, bias=rb, n_boot=n_boot, seed=seed, repeats=repeats, app=app,
                       max_shift=max_shift, centred=centred)
    stats = {"all": training_stats(y, proba, labels, rb)}
    if set(cv["kind"]) != {"all"}:
        kinds = np.asarray(kinds).astype(str)
        stats.update({str(k): training_stats(y[kinds == k], proba[kinds == k], labels, bias_at(rb, kinds == k))
                      for k in np.unique(kinds)})
    return {"labels": labels, "bias": {str(k): float(v) for k, v in (bias or {}).items()} or None,
            **({"kind_bias": kind_bias} if kind_bias else {}),
            "stats": stats, "chosen": choose_methods(cv, unsampled=unsampled)}


# ---------------------------------------------------------------------------------------------
# The artificial-prevalence protocol (APP; Forman 2008, as QuaPy runs it): a quantifier is meant for
# prevalence shift, so it is measured on many samples of a labelled test set drawn at prevalences
# spread over the simplex, not only at the test set's own one.

def _prevalence(p) -> np.ndarray:
    """``p`` as a float vector of shares, or the error that says it is not one."""
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or (p < 0).any() or not np.isclose(p.sum(), 1):
        raise InputError(f"prevalence {p.tolist()} is not a vector of shares summing to 1")
    return p


def app_counts(prevalence, size: int) -> np.ndarray:
    """Items per class of a sample of ``size`` at ``prevalence``: ⌊size·p⌋ each, the few left over given
    to the largest remainders (Hamilton's rule), so a sample holds its prevalence as closely as whole
    items allow (QuaPy rounds and deals the remainder at random; here the counts are a function)."""
    p = _prevalence(prevalence)
    exact = p / p.sum() * size
    counts = np.floor(exact).astype(int)
    left = size - counts.sum()
    # stable sort: ties go to the first class, so the same call always gives the same counts
    counts[np.argsort(-(exact - counts), kind="stable")[:left]] += 1
    return counts


def app_sample(y, prevalence, size: int, *, seed=0) -> np.ndarray:
    """Indices into ``y`` (class codes 0..K-1, K = len(prevalence)) of a sample of ``size`` items whose
    classes hold ``app_counts(prevalence, size)``: each class's items drawn with replacement from the
    items of that class (QuaPy's ``sampling_index``), in a seeded random order. A class asked for but
    without items is an error: the sample could not have that prevalence."""
    y = np.asarray(y)
    counts = app_counts(prevalence, size)
    rng = np.random.default_rng(seed)
    idx = []
    for k, n in enumerate(counts):
        pool = np.flatnonzero(y == k)
        if n and not len(pool):
            raise InputError(f"class {k} is asked for {n} items of the sample but has none to draw from")
        idx.append(rng.choice(pool, size=n, replace=True) if n else np.empty(0, dtype=int))
    return rng.permutation(np.concatenate(idx).astype(int))


def app_prevalences(n_classes: int, n: int, *, seed=0) -> np.ndarray:
    """``n`` prevalence vectors drawn uniformly over the simplex of ``n_classes`` (a flat Dirichlet: QuaPy's
    ``uniform_prevalence_sampling``, with a seeded generator), rows summing to 1."""
    return np.random.default_rng(seed).dirichlet(np.ones(n_classes), size=n)



def bounded_prevalences(base, n: int, *, max_shift: float = MAX_SHIFT, seed=0, centred: bool = True) -> np.ndarray:
    """``n`` prevalence vectors whose TV from ``base`` (a prevalence vector) is spread evenly over
    [0, ``max_shift``]: the i-th (from 0) lies at a TV t_i drawn uniformly in [i, i + 1) · max_shift / n
    (stratified, so that even 10 samples cover the range), in a random direction: p = (1 − λ)·base + λ·d, d a
    Dirichlet point over the labels ``base`` has (labels at 0 in ``base`` stay at 0), λ = t_i / TV(d, base),
    so that TV(p, base) = λ·TV(d, base) = t_i exactly; d is redrawn while TV(d, base) < t_i, which keeps λ ≤ 1
    and p in the simplex. Rows sum to 1. A ``max_shift`` the simplex cannot reach from ``base`` (≥ 1 − its
    smallest share) is an error.

    The directions: ``centred`` (the default), d ~ Dirichlet(k·base) over the k labels, whose mean is ``base``:
    a label is as likely to swell as to shrink, as real months move around the whole period's mix (they
    average to it); the flat Dirichlet is the case of a flat ``base``. ``centred=False``: d flat Dirichlet
    (the rule of 2026-12-05, kept to measure it), whose directions lean toward the flat mix: a large label
    shrinks in nearly every sample (telecom first posts' complaints, 84 %, in all but a few), the one direction
    where a correction of an over-called majority wins; on the training part's real months the counts were
    closer for intent than the correction that rule chose (BENCHMARKS.md, which way real shifts go). Far
    shifts lean either way where the simplex forces it: a label at 0.84 can swell by 0.16 at most."""
    base = _prevalence(base)
    support = np.flatnonzero(base > 0)
    if len(support) < 2 or max_shift >= 1 - base[support].min():
        raise InputError(f"no prevalence lies at a TV of {max_shift} from {base.tolist()} over its labels")
    rng = np.random.default_rng(seed)
    b = base[support]
    alpha = len(b) * b if centred else np.ones(len(b))
    out = np.zeros((n, len(base)))
    for i in range(n):
        t = (i + rng.random()) * max_shift / n
        while True:  # the draws reaching t: a few (flat, over two labels: P ≥ 0.4 at worst) to a few dozen
            d = rng.dirichlet(alpha)
            far = np.abs(d - b).sum() / 2
            if far >= t and far > 0:  # a NaN draw (a tiny share's Dirichlet underflowing) fails both: redrawn
                break
        out[i, support] = b + t / far * (d - b)
    return out


SHIFT_EDGES = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)  # total variation from the training prevalence (``shift_bucket``)


def shift_bucket(sample_prevalence, train_prevalence, edges=SHIFT_EDGES) -> pd.Categorical:
    """How far each sample's prevalence (rows) lies from the training one, as total variation, bucketed by
    ``edges`` into intervals [a, b) (the last one closed): QuaPy reports a quantifier's error by this
    "amount of shift", where CC's error grows and a sound correction's should not."""
    p = np.atleast_2d(np.asarray(sample_prevalence, dtype=float))
    # rounded: a TV that is an edge on paper (|0.6 − 0.5| + |0.4 − 0.5|) / 2 = 0.1 is 0.0999… in floats
    d = np.round(np.abs(p - np.asarray(train_prevalence, dtype=float)).sum(axis=1) / 2, 12)
    names = [f"{a:.1f}–{b:.1f}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    # the last edge (1.0) is the largest TV there is: it belongs to the last interval
    d = np.minimum(d, np.nextafter(edges[-1], 0))
    return pd.cut(d, list(edges), right=False, labels=names)
