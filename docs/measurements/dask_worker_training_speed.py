"""Measure how fast a small CNN trains inside Dask workers, with and without
the worker set-up of :func:`sklearn_emnist.parallel.dask_backend`.

Three single-worker LocalClusters (one worker process, one thread each):

- ``dask-default``: Dask's default worker environment (the nanny exports
  ``MALLOC_TRIM_THRESHOLD_=65536``, OMP/MKL/OpenBLAS threads 1);
- ``dask-tuned``: the same plus ``TorchWorkerPlugin`` (one torch thread,
  glibc mmap/trim thresholds raised with ``tune_malloc``);
- ``plain``: this process, torch with one thread, glibc defaults.

The same fit (seed CNN, 1,040 real letters-here images, 2 epochs, batch 64)
runs in interleaved rounds, so the shared machine's load hits all three alike;
the median of the rounds is reported, with ratios.

Run from the repository root::

    OMP_NUM_THREADS=1 PYTHONPATH=. python docs/measurements/dask_worker_training_speed.py
"""

import os
import platform
import statistics
import sys
import time


def one_fit():
    import torch

    from sklearn_emnist.datasets import load_emnist_folder
    from sklearn_emnist.neural import CharCNNClassifier

    bench = os.path.join(
        os.environ.get("SKLEARN_EMNIST_SHARED", os.path.join("..", "shared", "emnist")), "bench"
    )
    X, y = load_emnist_folder(
        bench, name="letters-here", split="letters", subset="train",
        n_samples=1040, random_state=0, return_X_y=True,
    )
    net = CharCNNClassifier(
        architecture="seed", max_epochs=2, batch_size=64, random_state=0, verbose=0, n_threads=1
    )
    start = time.perf_counter()
    net.fit(X, y)
    return time.perf_counter() - start, torch.get_num_threads()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(rounds=5):
    import torch
    from distributed import Client, LocalCluster

    from sklearn_emnist.parallel import TorchWorkerPlugin

    torch.set_num_threads(1)
    clients = {}
    for name in ("dask-default", "dask-tuned"):
        cluster = LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=":0",
        )
        client = Client(cluster, set_as_default=False)
        if name == "dask-tuned":
            client.register_plugin(TorchWorkerPlugin(n_threads=1))
        client.submit(one_fit, pure=False).result()  # warm-up
        clients[name] = client
    one_fit()  # warm-up here too
    times = {name: [] for name in ("plain", *clients)}
    for _ in range(rounds):
        times["plain"].append(one_fit()[0])
        for name, client in clients.items():
            times[name].append(client.submit(one_fit, pure=False).result()[0])
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()}, "
          f"python {sys.version.split()[0]}, torch {torch.__version__}")
    print(f"fit of the seed CNN, 1,040 letters-here images, 2 epochs; median of {rounds} "
          "interleaved rounds")
    for name, t in times.items():
        print(f"  {name:>13}: {median[name]:6.3f} s   rounds: {', '.join(f'{x:.2f}' for x in t)}")
    print(f"  dask-default / dask-tuned = {median['dask-default'] / median['dask-tuned']:.2f}x")
    print(f"  plain        / dask-tuned = {median['plain'] / median['dask-tuned']:.2f}x")
    for client in clients.values():
        client.close()


if __name__ == "__main__":
    main()
