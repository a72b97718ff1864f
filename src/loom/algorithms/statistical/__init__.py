"""Statistical models with inference: OLS with the full diagnostic report, Logit tables.

Key names: ``OLSRegressor`` (the estimator behind ``linear_regression``),
``solve_least_squares`` (the careful solver), ``regression_report`` and
``logistic_report``. Non-goals: mixed models, time-series models, robust or
GLS estimators (the report points users to them when its checks fail).
"""
