"""Adapters for gradient-boosting libraries (LightGBM); imported only when used."""
