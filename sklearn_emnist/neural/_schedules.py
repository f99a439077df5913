"""Learning-rate schedules as a skorch callback, stepped every batch.

Each schedule is a pure function of training progress ``t`` in [0, 1] giving a
factor of the base learning rate (``lr``); the callback needs to know the
number of batches, so it computes the total at the first epoch of each
``fit`` / ``partial_fit`` call (``max_epochs`` x batches per epoch).
"""

import math

from skorch.callbacks import Callback

__all__ = ["LRSchedule", "SCHEDULES", "schedule_factor"]


def _constant(t):
    return 1.0


def _step(t):
    # x0.1 after half of the training, again after three quarters
    return 1.0 if t < 0.5 else (0.1 if t < 0.75 else 0.01)


def _cosine(t):
    return 0.5 * (1.0 + math.cos(math.pi * min(t, 1.0)))


def _onecycle(t, pct_start=0.25, div_factor=25.0, final_div_factor=1e4):
    # as torch.optim.lr_scheduler.OneCycleLR with cosine annealing
    low, final = 1.0 / div_factor, 1.0 / (div_factor * final_div_factor)
    if t < pct_start:
        u = t / pct_start
        return low + (1.0 - low) * 0.5 * (1.0 - math.cos(math.pi * u))
    u = min((t - pct_start) / (1.0 - pct_start), 1.0)
    return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * u))


SCHEDULES = {"constant": _constant, "step": _step, "cosine": _cosine, "onecycle": _onecycle}


def schedule_factor(schedule, t):
    """Factor of the base learning rate at progress ``t`` (0 = start, 1 = end).

    Examples
    --------
    >>> from sklearn_emnist.neural._schedules import schedule_factor
    >>> schedule_factor("cosine", 0.0), schedule_factor("cosine", 1.0)
    (1.0, 0.0)
    >>> round(schedule_factor("onecycle", 0.25), 6), schedule_factor("step", 0.8)
    (1.0, 0.01)
    """
    if callable(schedule):
        return float(schedule(t))
    return SCHEDULES[schedule](t)


class LRSchedule(Callback):
    """Set every optimizer group's lr to ``base_lr * factor(progress)`` each batch.

    Parameters
    ----------
    schedule : {"step", "cosine", "onecycle", "constant"} or callable
        A callable maps progress ``t`` in [0, 1] to a factor.
    """

    def __init__(self, schedule="onecycle"):
        self.schedule = schedule

    def initialize(self):
        self.total_steps_ = None
        self.step_ = 0
        return self

    def on_train_begin(self, net, **kwargs):
        self.total_steps_ = None
        self.step_ = 0

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.total_steps_ is None:
            count = getattr(net, "_n_train_batches", None)
            if count is not None:  # the estimators: their iterator's own batch count
                per_epoch = count(dataset_train)
            else:
                batch_size = net.get_params_for("iterator_train").get("batch_size",
                                                                      net.batch_size)
                per_epoch = math.ceil(len(dataset_train) / batch_size)
            per_epoch = max(per_epoch, 1)
            self.total_steps_ = per_epoch * net.max_epochs
            for group in net.optimizer_.param_groups:
                # the peak lr is the group's lr, unless that is still the value this
                # schedule left there (a warm start): then the peak stays. An lr the
                # user set since (set_params(lr=...)) becomes the new peak.
                if "initial_lr" not in group or group["lr"] != group.get("scheduled_lr"):
                    group["initial_lr"] = group["lr"]

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training or self.total_steps_ is None:
            return
        factor = schedule_factor(self.schedule, self.step_ / self.total_steps_)
        for group in net.optimizer_.param_groups:
            group["lr"] = group["scheduled_lr"] = group["initial_lr"] * factor
        self.step_ += 1

    def on_epoch_end(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])
