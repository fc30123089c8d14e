"""Shortcut audit: can one column, an identifier, or a shallow tree recover the labels?

A rare-event dataset is only worth training on if its positives must be found from behaviour.
PaySim's frauds, famously, are found by trivial rules on account-name prefixes and balances. For
each label kind (one-vs-rest on `label_kind`, and the report's target) this audit fits, on one
half of the rows, the best single-column rule of every attribute and identifier column (and of
the name prefixes of string identifiers) and a depth-3 decision tree on all of them, and scores
each by its F1 on the rare class in the other half.

Positives are split by episode when a kind has two or more apart in time (episodes that overlap
count as one): a rule must generalise to episodes it has not seen, as a detector must, and an id
that only one episode uses is not a shortcut. With a single episode they are split by acting
entity (else by row), and what a rule finds may be that episode's time window or actors rather
than a shortcut: the warnings say so. Negatives are split by row. Everything is seeded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate.label_targets import capped, positives, targets
from simsynth.evaluate.section import Section
from simsynth.evaluate.similarity import numbers

IDENTIFIER_F1 = 0.5
"""An identifier (or a tree relying mostly on identifiers) above this F1 is a warning."""
COLUMN_F1 = 0.9
"""Any single column above this F1 is a warning: a shortcut no real incident has."""
TREE_DEPTH = 3
MAX_ROWS = 300_000
"""Larger tables keep every positive and a weighted sample of negatives."""
FEW_VALUES = 32
"""Numeric attributes with at most this many distinct values also get a value-set rule."""
CUT_QUANTILES = np.linspace(0.0, 1.0, 65)
"""Threshold candidates: these quantiles of the positives' and of the negatives' values."""
SHOWN_VALUES = 5
PREFIX = re.compile(r"^(\D*)")
AUDIT_COLUMNS = ["kind", "column", "source", "rule", "f1", "id_share", "split"]
TREE = f"tree (depth {TREE_DEPTH})"
GROUPING = ("run_id", "episode_id", "time", "entity_id")
"""The columns that decide how positives are split in halves."""


@dataclass(frozen=True)
class Encoded:
    """One audited column: its numbers (threshold rules) and/or codes (value-set rules)."""

    name: str
    source: str
    """`attribute` or `identifier`."""
    numbers: np.ndarray | None
    codes: np.ndarray | None
    values: np.ndarray | None
    """The value of each code."""

    def feature(self) -> np.ndarray:
        """The column as one float feature of the tree."""
        return self.numbers if self.numbers is not None else self.codes.astype(float)


def encode(events: pd.DataFrame, roles: ColumnRoles) -> list[Encoded]:
    """Every attribute and identifier column of `events` ready for rules, plus name prefixes."""
    identifiers = set(roles.identifiers)
    runs = pd.factorize(events["run_id"])[0] if "run_id" in events else None
    encoded = []
    for name in (*roles.attributes, *roles.identifiers):
        if name not in events:
            continue
        column = events[name]
        source = "identifier" if name in identifiers else "attribute"
        numeric = pd.api.types.is_numeric_dtype(column.dtype) and not (
            pd.api.types.is_bool_dtype(column.dtype)
        )
        floats = numbers(column) if numeric else None
        codes = values = None
        if not numeric or source == "identifier" or column.nunique() <= FEW_VALUES:
            codes, values = pd.factorize(column, use_na_sentinel=False)
            if source == "identifier" and runs is not None:
                codes, values = _within_runs(codes, np.asarray(values), runs)
        encoded.append(Encoded(name, source, floats, codes, np.asarray(values)))
        prefix = _prefixes(column, source)
        if prefix is not None:
            codes, values = pd.factorize(prefix, use_na_sentinel=False)
            encoded.append(Encoded(f"prefix({name})", "identifier", None, codes, values))
    return encoded


def _within_runs(
    codes: np.ndarray, values: np.ndarray, runs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of (run, value) pairs: an identifier names something within its run (the same
    vehicle number in two runs is two vehicles), so value rules do not carry across runs."""
    pairs, first = np.unique(runs.astype(np.int64) * len(values) + codes, return_inverse=True)
    return first, values[pairs % len(values)]


def _prefixes(column: pd.Series, source: str) -> pd.Series | None:
    """The leading non-digits of a string identifier (or many-valued string column), if they
    say less than the whole value and more than nothing (`C123` and `M456` -> `C`, `M`)."""
    stringy = pd.api.types.is_string_dtype(column.dtype) or pd.api.types.is_object_dtype(
        column.dtype
    )
    if isinstance(column.dtype, pd.CategoricalDtype):
        stringy = pd.api.types.is_string_dtype(column.cat.categories.dtype)
    if not stringy or (source != "identifier" and column.nunique() <= FEW_VALUES):
        return None
    prefix = column.astype(str).str.extract(PREFIX, expand=False)
    distinct = prefix.nunique()
    return prefix if 1 < distinct < column.nunique() else None


def f1_score(predicted: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Weighted F1 of the positive class (0 when there is nothing to find or predict)."""
    tp = float(w[predicted & y].sum())
    wrong = float(w[predicted != y].sum())
    return 2 * tp / (2 * tp + wrong) if tp > 0 else 0.0


def fit_threshold(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, bool, float]:
    """The cut and direction (`above`: predict x > cut, else x <= cut) with the best F1 on
    (x, y, w), and that F1. Missing values are never predicted positive."""
    known = ~np.isnan(x)
    total_positive = float(w[y].sum())
    x, y, w = x[known], y[known], w[known]
    if total_positive == 0 or len(x) == 0:
        return np.nan, True, 0.0
    order = np.argsort(x, kind="stable")
    xs = x[order]
    tp_below = np.concatenate([[0.0], np.cumsum((w * y)[order])])
    n_below = np.concatenate([[0.0], np.cumsum(w[order])])
    parts = [np.quantile(x[y], CUT_QUANTILES)] if y.any() else []
    parts += [np.quantile(x[~y], CUT_QUANTILES)] if (~y).any() else []
    cuts = np.unique(np.concatenate(parts))
    k = np.searchsorted(xs, cuts, side="right")
    f1_below = 2 * tp_below[k] / (n_below[k] + total_positive)
    f1_above = 2 * (tp_below[-1] - tp_below[k]) / (n_below[-1] - n_below[k] + total_positive)
    best_below, best_above = int(np.argmax(f1_below)), int(np.argmax(f1_above))
    above = f1_above[best_above] >= f1_below[best_below]
    best = best_above if above else best_below
    # Any cut up to the next value splits these rows alike: take the middle of the gap.
    following = xs[k[best]] if k[best] < len(xs) else cuts[best]
    cut = float((cuts[best] + following) / 2)
    return cut, bool(above), float(f1_above[best] if above else f1_below[best])


def fit_values(codes: np.ndarray, y: np.ndarray, w: np.ndarray, size: int) -> np.ndarray:
    """Per code, whether its rows are mostly positive (weighted share > 0.5)."""
    positive = np.bincount(codes, weights=w * y, minlength=size)
    total = np.bincount(codes, weights=w, minlength=size)
    return positive > 0.5 * np.maximum(total, 1e-300)


def episode_clusters(where: pd.DataFrame) -> np.ndarray:
    """Per row of `where` (positive rows: `run_id`, `episode_id`, `time`), a cluster number:
    episodes of one run whose time spans overlap share a cluster, so that rules learnt on one
    cannot reach the other through time-ordered ids."""
    runs = where["run_id"].astype(str).to_numpy() if "run_id" in where else "0"
    keys = pd.DataFrame({"run": runs, "episode": where["episode_id"].to_numpy()})
    spans = (
        where["time"]
        .groupby([keys["run"].to_numpy(), keys["episode"].to_numpy()])
        .agg(["min", "max"])
        .rename_axis(["run", "episode"])
        .reset_index()
        .sort_values(["run", "min"], kind="stable")
    )
    reach = spans.groupby("run")["max"].transform(lambda ends: ends.cummax().shift())
    first = spans["run"].ne(spans["run"].shift()) | (spans["min"] > reach)
    spans["cluster"] = first.cumsum()
    return keys.merge(spans, on=["run", "episode"], how="left")["cluster"].to_numpy()


def groups(events: pd.DataFrame, y: np.ndarray) -> tuple[np.ndarray, str]:
    """A group per positive row, and what the groups are: clusters of overlapping `episodes`
    when there are two or more; else the acting `entities` when two or more act; else `rows`."""
    rows = np.arange(int(y.sum()))
    where = events[y]
    if {"episode_id", "time"} <= set(where) and (where["episode_id"] >= 0).all():
        clusters = episode_clusters(where)
        if len(np.unique(clusters)) >= 2:
            return clusters, "episodes"
    if "entity_id" in where and where["entity_id"].nunique() >= 2:
        return pd.factorize(where["entity_id"])[0], "entities"
    return rows, "rows"


def halves(events: pd.DataFrame, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """The rows of the fitting half (negatives at random, positives by group; see `groups`)
    and how the positives were split."""
    fit = rng.random(len(y)) < 0.5
    group, split = groups(events, y)
    found = np.unique(group)
    chosen = rng.permutation(found)[: (len(found) + 1) // 2]
    fit[y] = np.isin(group, chosen)
    return fit, split


@dataclass(frozen=True)
class Fold:
    """The rows of one target, split in two, with their weights."""

    rows: np.ndarray
    y: np.ndarray
    w: np.ndarray
    fit: np.ndarray
    split: str

    def score(self, predicted: np.ndarray) -> float:
        """F1 of `predicted` (one value per row of the fold) on the held-out half."""
        test = ~self.fit
        return f1_score(predicted[test], self.y[test], self.w[test])


def _threshold_rule(column: Encoded, fold: Fold) -> tuple[float, str, float]:
    x = column.numbers[fold.rows]
    f = fold.fit
    cut, above, fitted = fit_threshold(x[f], fold.y[f], fold.w[f])
    if np.isnan(cut):
        return 0.0, f"{column.name}: no threshold", 0.0
    predicted = x > cut if above else x <= cut
    return fitted, f"{column.name} {'>' if above else '<='} {cut:.6g}", fold.score(predicted)


def _value_rule(column: Encoded, fold: Fold) -> tuple[float, str, float]:
    codes = column.codes[fold.rows]
    f = fold.fit
    chosen = fit_values(codes[f], fold.y[f], fold.w[f], len(column.values))
    predicted = chosen[codes]
    fitted = f1_score(predicted[f], fold.y[f], fold.w[f])
    named = [str(v) for v in column.values[chosen][:SHOWN_VALUES]]
    more = int(chosen.sum()) - len(named)
    if not named:
        return fitted, f"{column.name}: no value mostly positive", fold.score(predicted)
    listed = ", ".join(named) + (f", +{more} more" if more > 0 else "")
    return fitted, f"{column.name} in {{{listed}}}", fold.score(predicted)


def best_rule(column: Encoded, fold: Fold) -> tuple[str, float]:
    """The rule (text) of `column` that fits best on the fitting half, and its held-out F1."""
    rules = []
    if column.numbers is not None:
        rules.append(_threshold_rule(column, fold))
    if column.codes is not None:
        rules.append(_value_rule(column, fold))
    _, text, f1 = max(rules, key=lambda rule: rule[0])
    return text, f1


def tree_rule(columns: list[Encoded], fold: Fold, seed: int) -> tuple[str, float, float]:
    """A depth-3 tree on every column (its probability cut chosen on the fitting half): the
    columns it uses, its held-out F1, and the share of its splits' importance on identifiers."""
    features = np.column_stack([c.feature()[fold.rows] for c in columns])
    f = fold.fit
    tree = DecisionTreeClassifier(max_depth=TREE_DEPTH, class_weight="balanced", random_state=seed)
    tree.fit(features[f], fold.y[f], sample_weight=fold.w[f])
    if len(tree.classes_) < 2:
        return "one class only", 0.0, 0.0
    probability = tree.predict_proba(features)[:, 1]
    cuts = np.unique(probability[f])
    fitted = [f1_score(probability[f] >= cut, fold.y[f], fold.w[f]) for cut in cuts]
    predicted = probability >= cuts[int(np.argmax(fitted))]
    importance = tree.feature_importances_
    order = np.argsort(-importance)
    used = [f"{columns[i].name} {importance[i]:.0%}" for i in order if importance[i] > 0]
    on_ids = [c.source == "identifier" for c in columns]
    id_share = float(importance[np.array(on_ids, dtype=bool)].sum())
    return ", ".join(used) or "no split", fold.score(predicted), id_share


def audit(
    events: pd.DataFrame,
    roles: ColumnRoles | None = None,
    seed: int = 0,
    *,
    kinds: list[str] | None = None,
) -> pd.DataFrame:
    """The shortcut audit of one events table.

    Args:
        events: an events table (contract columns `label`, `label_kind`, `episode_id`).
        roles: its column roles (default `ColumnRoles.of(events)`).
        seed: seeds the halves, the negatives' sample of large tables and the tree.
        kinds: targets to audit (`label` or label kinds); default every kind present.

    Returns:
        One row per target and column (`source` attribute or identifier) and one per target
        for the tree (`column` = `tree (depth 3)`, `id_share` = its importance on
        identifiers): `kind`, `column`, `source`, `rule`, `f1` (held-out F1 on the rare
        class), `id_share`, `split` (`episodes` or `rows`). Targets with fewer than two
        positive rows are left out.
    """
    roles = roles or ColumnRoles.of(events)
    columns = encode(events, roles)
    where = events[[c for c in GROUPING if c in events]]
    rows = []
    for index, kind in enumerate(kinds if kinds is not None else targets("label", [events])[1:]):
        y_all = positives(events, kind)
        if y_all.sum() < 2:
            continue
        rng = np.random.default_rng([seed, index])
        chosen, w = capped(y_all, MAX_ROWS, rng)
        y = y_all[chosen]
        fit, split = halves(where.iloc[chosen], y, rng)
        fold = Fold(chosen, y, w, fit, split)
        for column in columns:
            text, f1 = best_rule(column, fold)
            rows.append((kind, column.name, column.source, text, f1, np.nan, split))
        if columns:
            text, f1, id_share = tree_rule(columns, fold, seed)
            rows.append((kind, TREE, "tree", text, f1, id_share, split))
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


@dataclass(frozen=True)
class KindSummary:
    """The audit of one target in one dataset, in a few numbers."""

    column: str
    rule: str
    f1: float
    identifier: str
    identifier_f1: float
    tree_f1: float
    tree_rule: str
    tree_id_share: float
    split: str

    @classmethod
    def of(cls, found: pd.DataFrame) -> KindSummary:
        """Summarise the audit rows of one target."""
        single = found[found["source"] != "tree"].sort_values("f1", ascending=False, kind="stable")
        ids = single[single["source"] == "identifier"]
        tree = found[found["source"] == "tree"]
        best = single.iloc[0] if len(single) else None
        top_id = ids.iloc[0] if len(ids) else None
        top_tree = tree.iloc[0] if len(tree) else None
        return cls(
            column=best["column"] if best is not None else "",
            rule=best["rule"] if best is not None else "",
            f1=float(best["f1"]) if best is not None else 0.0,
            identifier=top_id["column"] if top_id is not None else "",
            identifier_f1=float(top_id["f1"]) if top_id is not None else 0.0,
            tree_f1=float(top_tree["f1"]) if top_tree is not None else 0.0,
            tree_rule=top_tree["rule"] if top_tree is not None else "",
            tree_id_share=float(top_tree["id_share"]) if top_tree is not None else 0.0,
            split=str(found["split"].iloc[0]),
        )

    def warnings(self, dataset: str, kind: str) -> list[str]:
        """What in this summary is a shortcut."""
        found = []
        where = f"{dataset}, {kind}"
        if self.identifier_f1 > IDENTIFIER_F1:
            found.append(
                f"{where}: identifier `{self.identifier}` predicts the label "
                f"(F1 {self.identifier_f1:.2f} on held-out {self.split})"
            )
        if self.tree_f1 > IDENTIFIER_F1 and self.tree_id_share > 0.5:
            found.append(
                f"{where}: a depth-{TREE_DEPTH} tree relying on identifiers "
                f"({self.tree_id_share:.0%} of its importance) reaches F1 {self.tree_f1:.2f}"
            )
        if self.f1 > COLUMN_F1:
            found.append(
                f"{where}: a one-column rule recovers this kind ({self.rule}, F1 "
                f"{self.f1:.2f}): a shortcut no real incident has"
            )
        if self.split != "episodes":
            caveat = (
                " (one episode only: this may be its time window or actors rather than a "
                "shortcut; audit a dataset with several episodes to tell)"
            )
            found = [message + caveat for message in found]
        return found


def section(
    reference: pd.DataFrame,
    candidate: pd.DataFrame,
    roles: ColumnRoles,
    *,
    target: str = "label",
    seed: int = 0,
) -> Section:
    """The shortcut audit of the candidate and, side by side, of the reference."""
    kinds = targets(target, [candidate, reference])
    frames = {"candidate": candidate, "reference": reference}
    found = {name: audit(frame, roles, seed, kinds=kinds) for name, frame in frames.items()}
    result = Section(name="shortcuts", title="Shortcut audit")
    rows = []
    for kind in kinds:
        row: dict[str, object] = {"kind": kind}
        for name, table in found.items():
            mine = table[table["kind"] == kind]
            if mine.empty:
                result.details.setdefault(name, {})[kind] = None
                row.update({f"{name} best column": "", f"{name} F1": None, f"{name} tree F1": None})
                continue
            summary = KindSummary.of(mine)
            result.details.setdefault(name, {})[kind] = {
                "best_column": summary.column,
                "rule": summary.rule,
                "f1": round(summary.f1, 4),
                "best_identifier": summary.identifier,
                "identifier_f1": round(summary.identifier_f1, 4),
                "tree_f1": round(summary.tree_f1, 4),
                "tree_columns": summary.tree_rule,
                "tree_identifier_share": round(summary.tree_id_share, 4),
                "split": summary.split,
            }
            result.warnings += summary.warnings(name, kind)
            row.update(
                {
                    f"{name} best column": summary.rule,
                    f"{name} F1": round(summary.f1, 3),
                    f"{name} tree F1": round(summary.tree_f1, 3),
                }
            )
        rows.append(row)
    for name, table in found.items():
        single = table[table["source"] != "tree"]
        by_source = single.groupby("source")["f1"].max() if len(single) else pd.Series()
        result.summary[name] = {
            "max_single_column_f1": _rounded(single["f1"].max() if len(single) else None),
            "max_identifier_f1": _rounded(by_source.get("identifier")),
            "max_tree_f1": _rounded(table.loc[table["source"] == "tree", "f1"].max()),
        }
    result.tables.append(("Best single-column rule and depth-3 tree per kind", pd.DataFrame(rows)))
    top = found["candidate"].sort_values(["kind", "f1"], ascending=[True, False], kind="stable")
    result.tables.append(("Candidate: the five best columns per kind", top.groupby("kind").head(5)))
    result.notes += [
        "F1 on the rare class of rules fitted on one half of the rows and scored on the other; "
        "the halves are drawn by episode when a kind has two or more, so a rule must "
        "generalise to unseen episodes (an id used by one episode only is not a shortcut).",
        "Numeric columns get the best threshold (either direction); categorical and identifier "
        "columns the set of values whose rows are mostly positive; the tree sees every column.",
        f"Warnings: an identifier or an identifier-driven tree above F1 {IDENTIFIER_F1}, any "
        f"single column above F1 {COLUMN_F1}.",
    ]
    return result


def _rounded(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 4)
