"""Text algorithms: a topic model (LDA) and sequence taggers (HMM, CRF)."""
