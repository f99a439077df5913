"""Benchmarks of sklearn-emnist: CNN, LSTM and KNN side by side, and data loading.

Run ``python -m benchmarks --help`` (from the repository root); the runner is
:func:`benchmarks.run.main`. Results (JSON records, Markdown tables, plots)
live in ``benchmarks/results/``.
"""
