"""Embedding models: word vectors (word2vec, fastText) and document vectors."""
