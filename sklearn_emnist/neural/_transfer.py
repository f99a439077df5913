"""Where transfer learning's ``init_from`` weights come from when given a path."""

import os

import torch

__all__ = ["weights_at"]


def weights_at(path):
    """The network weights at ``path``: a :func:`~sklearn_emnist.deploy.save_model`
    file (unpickled: it runs code), a :func:`~sklearn_emnist.deploy.save_weights`
    folder or a state dict file (``save_params(f_params=...)``, ``torch.save``)."""
    from ..deploy._persistence import _PARAMS_FILE, MAGIC, _neural_parts, load_model

    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, _PARAMS_FILE)):
            raise ValueError(
                f"init_from={os.fspath(path)!r} is a folder without {_PARAMS_FILE}: not a "
                "folder written by save_weights."
            )
        path = os.path.join(path, _PARAMS_FILE)
    else:
        with open(path, "rb") as handle:
            is_model_file = handle.read(len(MAGIC)) == MAGIC
        if is_model_file:
            networks = _neural_parts(load_model(path))
            if len(networks) != 1:
                raise ValueError(
                    f"init_from={os.fspath(path)!r} is a model file with {len(networks)} "
                    "networks; pass the fitted network to start from (or its "
                    "module_.state_dict())."
                )
            if getattr(networks[0], "quantized_", None) is not None:
                raise ValueError(
                    f"init_from={os.fspath(path)!r} holds an int8 quantized copy, which is "
                    "for inference only; start from the float model it was quantized from."
                )
            return networks[0].module_.state_dict()
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except Exception as error:  # torch's errors for a file that is not weights vary
        raise ValueError(
            f"init_from={os.fspath(path)!r} holds no network weights torch can read safely. "
            "Pass a model file written by save_model, a folder written by save_weights, or "
            "a file of weights written by save_params(f_params=...) or "
            "torch.save(module.state_dict())."
        ) from error
