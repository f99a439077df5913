"""Implementation of the ``sklearn-emnist`` command line (see :mod:`sklearn_emnist.cli`)."""
