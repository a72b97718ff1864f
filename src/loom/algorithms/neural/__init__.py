"""Neural networks in PyTorch: building blocks, the trainer, MLP and CNN entries."""
