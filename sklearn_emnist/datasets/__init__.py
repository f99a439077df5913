"""Loaders for EMNIST and the IDX file format."""

from ._idx import IDXFormatError, read_idx, write_idx

__all__ = ["IDXFormatError", "read_idx", "write_idx"]
