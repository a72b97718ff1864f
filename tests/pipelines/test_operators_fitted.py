"""Fitted operators against pandas / scikit-learn references on the same rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from tests.pipelines.helpers import run_nodes, run_op

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def test_impute_median_and_mean_equal_pandas_with_indicators(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    out, result = run_op(
        tmp_path,
        sources,
        "impute",
        {"strategy": "median", "columns": NUMERIC, "add_indicator": True},
    )
    medians = penguins_df[NUMERIC].median()
    assert result.node("n").state == {"fill": {c: float(medians[c]) for c in NUMERIC}}
    pd.testing.assert_frame_equal(
        out[NUMERIC], penguins_df[NUMERIC].fillna(medians), check_dtype=False
    )
    assert out["sex"].isna().sum() == 11  # untouched column
    assert (
        out["body_mass_g_missing"].tolist()
        == penguins_df["body_mass_g"].isna().tolist()
    )
    means, _ = run_op(
        tmp_path / "m",
        sources,
        "impute",
        {"strategy": "mean", "columns": ["body_mass_g"]},
    )
    np.testing.assert_allclose(
        means["body_mass_g"],
        penguins_df["body_mass_g"].fillna(penguins_df["body_mass_g"].mean()),
    )


def test_impute_most_frequent_and_constant_equal_sklearn(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    from sklearn.impute import SimpleImputer

    out, _ = run_op(
        tmp_path, sources, "impute", {"strategy": "most_frequent", "columns": ["sex"]}
    )
    expected = SimpleImputer(strategy="most_frequent").fit_transform(
        penguins_df[["sex"]].astype(object)
    )
    assert out["sex"].tolist() == expected[:, 0].tolist()
    const, _ = run_op(
        tmp_path / "c",
        sources,
        "impute",
        {"strategy": "constant", "fill_value": "unknown", "columns": ["sex"]},
    )
    assert (const["sex"] == "unknown").sum() == 11


@pytest.mark.parametrize(
    ("method", "reference"),
    [("standard", StandardScaler), ("minmax", MinMaxScaler), ("robust", RobustScaler)],
)
def test_scale_equals_sklearn_scalers(
    tmp_path: Path,
    sources: dict[str, Path],
    penguins_df: pd.DataFrame,
    method: str,
    reference: type,
) -> None:
    out, _ = run_op(tmp_path, sources, "scale", {"method": method, "columns": NUMERIC})
    expected = reference().fit_transform(
        penguins_df[NUMERIC]
    )  # NaN ignored in fit, kept in output
    np.testing.assert_allclose(
        out[NUMERIC].to_numpy(dtype=float),
        expected,
        rtol=1e-10,
        atol=1e-12,
        equal_nan=True,
    )


def test_encode_one_hot_matches_get_dummies(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    out, result = run_op(
        tmp_path, sources, "encode", {"method": "one_hot", "columns": ["island", "sex"]}
    )
    dummies = pd.get_dummies(penguins_df[["island", "sex"]], dtype=int)
    assert list(out.columns[-len(dummies.columns) :]) == list(dummies.columns)
    pd.testing.assert_frame_equal(out[dummies.columns], dummies, check_dtype=False)
    assert result.node("n").state == {
        "categories": {
            "island": ["Biscoe", "Dream", "Torgersen"],
            "sex": ["female", "male"],
        }
    }


def test_encode_ordinal_frequency_and_hashing(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    from sklearn.preprocessing import OrdinalEncoder

    ordinal, _ = run_op(
        tmp_path / "o", sources, "encode", {"method": "ordinal", "columns": ["island"]}
    )
    codes = OrdinalEncoder().fit_transform(penguins_df[["island"]])[:, 0]
    assert ordinal["island"].tolist() == codes.astype(int).tolist()
    freq, _ = run_op(
        tmp_path / "f", sources, "encode", {"method": "frequency", "columns": ["sex"]}
    )
    shares = penguins_df["sex"].value_counts() / len(penguins_df)
    np.testing.assert_allclose(freq["sex"], penguins_df["sex"].map(shares).fillna(0.0))
    hashed, _ = run_op(
        tmp_path / "h",
        sources,
        "encode",
        {"method": "hashing", "columns": ["island"], "n_buckets": 8},
    )
    buckets = hashed[[f"island_h{i}" for i in range(8)]]
    assert (buckets.sum(axis=1) == 1).all()
    same = (
        hashed.assign(island=penguins_df["island"])
        .groupby("island")[list(buckets.columns)]
        .nunique()
    )
    assert (same.to_numpy() == 1).all()  # one island, one bucket


def test_target_encoding_is_fitted_on_train_rows_only(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    result = run_nodes(
        tmp_path,
        sources,
        {
            "id": "sp",
            "op": "split",
            "params": {"test_size": 0.3, "seed": 1},
            "inputs": {"input": "raw"},
        },
        {
            "id": "te",
            "op": "encode",
            "params": {
                "method": "target",
                "columns": ["island"],
                "target": "body_mass_g",
                "smoothing": 5,
            },
            "inputs": {"input": "sp.test", "fit": "sp.train"},
        },
    )
    train = pd.read_parquet(result.output_path("sp.train")).dropna(
        subset=["body_mass_g"]
    )
    prior = train.body_mass_g.mean()
    stats = train.groupby("island").body_mass_g.agg(["count", "mean"])
    expected = (stats["count"] * stats["mean"] + 5 * prior) / (stats["count"] + 5)
    state = result.node("te").state
    assert state is not None
    assert state["prior"] == pytest.approx(prior)
    assert state["values"]["island"] == pytest.approx(expected.to_dict())
    test_in = pd.read_parquet(result.output_path("sp.test"))
    encoded = pd.read_parquet(result.output_path("te"))
    np.testing.assert_allclose(encoded["island"], test_in["island"].map(expected))


def test_bucketize_fixed_and_quantile_edges_match_numpy(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    x = penguins_df["body_mass_g"]
    fixed, _ = run_op(
        tmp_path / "f",
        sources,
        "bucketize",
        {"method": "fixed", "columns": ["body_mass_g"], "edges": [3500, 4000, 4750]},
    )
    expected = np.searchsorted([3500, 4000, 4750], x, side="right")
    assert (
        fixed["body_mass_g_bucket"].dropna().astype(int).tolist()
        == expected[x.notna()].tolist()
    )
    assert fixed["body_mass_g_bucket"].isna().sum() == 2
    quant, result = run_op(
        tmp_path / "q",
        sources,
        "bucketize",
        {"method": "quantile", "columns": ["body_mass_g"], "n_buckets": 4},
    )
    edges = np.quantile(x.dropna(), [0.25, 0.5, 0.75])
    assert result.node("n").state["edges"]["body_mass_g"] == pytest.approx(
        edges.tolist()
    )
    assert (
        quant["body_mass_g_bucket"].dropna().astype(int).tolist()
        == np.searchsorted(edges, x.dropna(), side="right").tolist()
    )


def test_bucketize_tree_uses_a_decision_trees_split_thresholds(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    from sklearn.tree import DecisionTreeClassifier

    params = {
        "method": "tree",
        "columns": ["flipper_length_mm"],
        "target": "species",
        "n_buckets": 4,
    }
    out, result = run_op(tmp_path, sources, "bucketize", params)
    rows = penguins_df.dropna(subset=["flipper_length_mm"])
    tree = DecisionTreeClassifier(
        max_leaf_nodes=4, min_samples_leaf=len(rows) // 100, random_state=0
    )
    tree.fit(rows[["flipper_length_mm"]], rows["species"])
    thresholds = sorted(
        t
        for t, f in zip(tree.tree_.threshold, tree.tree_.feature, strict=True)
        if f >= 0
    )
    assert result.node("n").state["edges"]["flipper_length_mm"] == pytest.approx(
        thresholds
    )
    leaves = tree.apply(rows[["flipper_length_mm"]])
    buckets = out.loc[rows.index, "flipper_length_mm_bucket"].astype(int)
    assert (
        pd.crosstab(leaves, buckets.to_numpy()).gt(0).sum(axis=1).eq(1).all()
    )  # one bucket per leaf
    gbdt, res = run_op(
        tmp_path / "g",
        sources,
        "bucketize",
        {**params, "method": "gbdt", "n_buckets": 6},
    )
    assert 1 <= len(res.node("n").state["edges"]["flipper_length_mm"]) <= 5
    assert gbdt["flipper_length_mm_bucket"].max() <= 5


def test_pca_equals_sklearn_on_iris(tmp_path: Path, iris_path: Path) -> None:
    from sklearn.decomposition import PCA

    cols = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    out, result = run_op(
        tmp_path,
        {"iris": iris_path},
        "pca",
        {"n_components": 2, "columns": cols},
        dataset="iris",
    )
    frame = pd.read_parquet(iris_path)
    expected = PCA(n_components=2, svd_solver="full").fit_transform(frame[cols])
    assert list(out.columns) == ["species", "pc0", "pc1"]
    np.testing.assert_allclose(out[["pc0", "pc1"]].to_numpy(), expected, atol=1e-10)
    assert sum(result.node("n").state["explained_variance_ratio"]) > 0.95


def test_select_features_chi2_keeps_sklearns_choice(
    tmp_path: Path, iris_path: Path
) -> None:
    from sklearn.feature_selection import SelectKBest, chi2

    out, result = run_op(
        tmp_path,
        {"iris": iris_path},
        "select_features",
        {"method": "chi2", "target": "species", "k": 2},
        dataset="iris",
    )
    frame = pd.read_parquet(iris_path)
    cols = [c for c in frame.columns if c != "species"]
    chosen = (
        SelectKBest(chi2, k=2)
        .fit(frame[cols], frame["species"])
        .get_feature_names_out()
        .tolist()
    )
    assert [c for c in out.columns if c != "species"] == chosen
    assert result.node("n").state["method"] == "chi2"


def test_resample_balances_classes_on_the_rows_given(
    tmp_path: Path, sources: dict[str, Path], penguins_df: pd.DataFrame
) -> None:
    over, _ = run_op(
        tmp_path / "o",
        sources,
        "resample",
        {"target": "species", "method": "random_over", "seed": 1},
    )
    top = penguins_df.species.value_counts().max()
    assert over.species.value_counts().tolist() == [top] * 3
    assert (
        len(
            over.merge(penguins_df.drop_duplicates(), how="left", indicator=True).query(
                "_merge == 'left_only'"
            )
        )
        == 0
    )
    numeric = penguins_df[["species", *NUMERIC]].dropna()
    path = tmp_path / "numeric.parquet"
    numeric.to_parquet(path, index=False)
    smote, _ = run_op(
        tmp_path / "s",
        {"n": path},
        "resample",
        {"target": "species", "method": "smote"},
        dataset="n",
    )
    assert (
        smote.species.value_counts().tolist()
        == [numeric.species.value_counts().max()] * 3
    )
    assert list(smote.dtypes) == list(numeric.dtypes)


@pytest.mark.parametrize(
    ("method", "params"),
    [("variance", {"threshold": 0.5}), ("mutual_info", {"k": 2}), ("l1", {"k": 3})],
)
def test_select_features_keeps_what_feature_selection_keeps(
    tmp_path: Path, iris_path: Path, method: str, params: dict
) -> None:
    from loom.training.selection import FeatureSelection

    frame = pd.read_parquet(iris_path)
    cols = [c for c in frame.columns if c != "species"]
    labels = sorted(frame.species.unique())
    y = frame.species.map(labels.index).to_numpy()
    expected = FeatureSelection.fit(
        frame[cols].to_numpy(), y, cols, "classification", method, seed=0, **params
    )
    out, _ = run_op(
        tmp_path,
        {"iris": iris_path},
        "select_features",
        {"method": method, "target": "species", **params},
        dataset="iris",
    )
    assert [c for c in out.columns if c != "species"] == expected.names_out
