"""Reading character images from ordinary image files (PNG, JPEG, ...)."""

from .images import image_to_emnist, load_image_file, load_image_files

__all__ = ["image_to_emnist", "load_image_file", "load_image_files"]
