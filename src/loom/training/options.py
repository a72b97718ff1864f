"""``TrainingOptions``: how a run treats its rows beyond the algorithm's own params.

These are the knobs the notes treat as part of training rather than of any one
algorithm: grouped cross-validation, standardising features for distance- and
margin-based models, class imbalance (weights, resampling, a tuned decision
threshold), feature selection, and learning/validation curves on request. They
are validated here once, so the REST API, the SDK, the CLI and the job all
reject the same bad input with the same message before any work starts.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SelectionMethod = Literal[
    "variance", "chi2", "mutual_info", "rfecv", "l1", "tree_importance"
]
ResamplingMethod = Literal["random_over", "random_under", "smote"]


class FeatureSelectionOptions(BaseModel):
    """Which feature-selection method to run on the encoded columns, and its knob."""

    model_config = ConfigDict(extra="forbid")

    method: SelectionMethod
    k: int | None = Field(
        default=None, ge=1, description="Columns to keep (filter/embedded methods)."
    )
    threshold: float | None = Field(
        default=None, ge=0.0, description="Variance threshold (method 'variance')."
    )


class ValidationCurveOptions(BaseModel):
    """Score the model over several values of one of its parameters."""

    model_config = ConfigDict(extra="forbid")

    param: str = Field(min_length=1)
    values: list[int | float | str | bool] = Field(min_length=2, max_length=12)


class TrainingOptions(BaseModel):
    """Everything optional about a run that is not an algorithm parameter."""

    model_config = ConfigDict(extra="forbid")

    group_column: str | None = Field(
        default=None,
        description="Rows sharing a value stay in the same fold (grouped k-fold).",
    )
    standardize: bool = Field(
        default=False,
        description="Centre and scale numeric features (kept in the model).",
    )
    class_weight: Literal["balanced"] | None = None
    resampling: ResamplingMethod | None = None
    threshold: Literal["f1", "cost"] | None = Field(
        default=None,
        description="Tune the binary decision threshold (stored with the model).",
    )
    cost_ratio: float = Field(
        default=1.0,
        gt=0.0,
        le=1e6,
        description="Cost of a false negative divided by the cost of a false positive.",
    )
    feature_selection: FeatureSelectionOptions | None = None
    learning_curve: bool = False
    validation_curve: ValidationCurveOptions | None = None

    @field_validator("group_column")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("group_column must be a column name or null")
        return value

    def non_defaults(self) -> dict[str, Any]:
        """The options a user set, for logs and summaries."""
        return self.model_dump(mode="json", exclude_defaults=True)
