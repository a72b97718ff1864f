"""Adapters for scikit-learn's classical estimators (linear, forests, k-means)."""
