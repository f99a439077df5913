"""``fetch_emnist``: download, verify, decode and cache an EMNIST split."""

import functools
import warnings

from ._bunch import check_sampling, make_bunch
from ._cache import ScratchFolder, emnist_home
from ._download import Options, obtain_members, resolve_source
from ._folder import arrays_folder, concrete_subsets, load_decoded
from ._metadata import check_subset, get_split_info, official_url

__all__ = ["EMNIST_URL", "fetch_emnist"]

#: The official address of the EMNIST zip (read from the split metadata table).
EMNIST_URL = official_url()


def fetch_emnist(
    split="letters",
    *,
    subset="train",
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    mirror=None,
    n_samples=None,
    random_state=None,
    as_characters=False,
    progress=True,
    n_retries=3,
    delay=1.0,
    timeout=60.0,
):
    """Load an EMNIST split, downloading and verifying it on first use.

    The first call obtains the split's member files of the official
    ``gzip.zip`` (only those: the zip's central directory and the members are
    read with HTTP byte ranges; a server that ignores ranges makes the whole
    zip be downloaded once and kept), checks each against its official
    SHA-256, decodes it and caches upright arrays in ``data_home``. Later
    calls load the cached arrays in milliseconds (one copy from the cache's
    ``.npy`` files; the returned arrays are the caller's own, writable).

    Parameters
    ----------
    split : {"letters", "byclass", "bymerge", "balanced", "digits", "mnist"}, \
            default="letters"
        The EMNIST split (see ``DESCR`` for what each contains).
    subset : {"train", "test", "all"}, default="train"
        Which images; "all" concatenates train then test.
    data_home : str or path-like, default=None
        Cache root; by default :func:`sklearn.datasets.get_data_home`
        (``SCIKIT_LEARN_DATA`` or ``~/scikit_learn_data``). Files go to
        ``<data_home>/emnist``. A cache that cannot be written (read-only
        file system, no permission) does not stop a load: files it already
        holds are used, a local mirror folder is read in place, and member
        files that must be downloaded (or extracted from a zip) are written
        to a private temporary folder instead, verified and decoded there and
        removed before the call returns; a :class:`UserWarning` names the
        folder that could not be written (and the arrays are decoded in
        memory, with a warning too). Nothing is cached then, so the next call
        downloads again.
    download_if_missing : bool, default=True
        If False, raise :class:`DataNotCachedError` instead of using the
        network when the data is not cached (a local ``mirror`` folder or zip
        is still read).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``Bunch``.
    mirror : str or path-like, default=None
        Where to get the files instead of the official URL: a base URL or a
        local folder holding the member files (such as
        ``emnist-letters-train-images-idx3-ubyte.gz``), or the URL or path of
        a copy of ``gzip.zip``. Defaults to the environment variable
        ``SKLEARN_EMNIST_MIRROR``, then the official URL
        (:data:`EMNIST_URL`). Files from a mirror are verified like any
        download. The mirror is only consulted for files that are not
        cached, so cached data still loads once it is gone. A mirror folder
        must hold the official ``.gz`` files under their official names;
        for other layouts (uncompressed IDX files, other names) use
        :func:`load_emnist_folder`. A zip must store its members with
        deflate (as the official one does) or uncompressed.
    n_samples : int, default=None
        Return a stratified random sub-sample of this many images (class
        proportions kept), ``1 <= n_samples <=`` the number of images of the
        subset.
    random_state : int, RandomState instance or None, default=None
        Seed of the sub-sample (only used with ``n_samples``).
    as_characters : bool, default=False
        Return ``target`` as characters (``target_names[y]``, e.g. ``'a'``)
        instead of integers.
    progress : bool, default=True
        Show tqdm progress bars while downloading (only on a terminal).
    n_retries : int, default=3
        Retries of a download after a transient error (HTTP 5xx, 408, 429,
        connection reset, time-out); 404 and checksum mismatches are not
        retried.
    delay : float, default=1.0
        Seconds before the first retry (finite, >= 0); doubled at each
        further retry.
    timeout : float, default=60.0
        Socket time-out of each HTTP request, in seconds (finite, > 0).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n, 784), uint8
            Flattened upright images (a view of ``images``).
        images : ndarray of shape (n, 28, 28), uint8
            Upright images (0 = background, 255 = ink).
        target : ndarray of shape (n,)
            int64 classes ``0..n_classes-1``, or characters if
            ``as_characters``.
        target_names : ndarray of str of shape (n_classes,)
            The character of each class (letters: ``'a'..'z'``).
        feature_names : list of str
            ``pixel_<row>_<col>``.
        DESCR : str
            Description of EMNIST.
        split, subset : str
            What was loaded.
        n_classes : int
            Number of classes of the split.
        char_codes : list of tuple of int
            ASCII code(s) of each class from the official mapping (letters:
            upper and lower case).
        file_labels : list of int
            The label each class has in the files (letters: 1..26).
        files : list of str
            The official member files the arrays come from.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        Unknown split or subset (the message lists the valid ones), invalid
        ``n_samples`` or ``random_state`` (both checked before any download),
        or an invalid ``mirror`` or ``SKLEARN_EMNIST_MIRROR`` (the message
        says which; checked only when a file has to be obtained: cached data
        loads even after the mirror is gone).
    TypeError
        ``n_samples`` is not an int.
    DataNotCachedError
        Not cached and ``download_if_missing=False``.
    DownloadError
        The files could not be downloaded (after retries), the server sent an
        HTML page (judged by the content, not the ``Content-Type`` header) or
        something that is not a zip archive (not retried when the transfer
        was complete), a zip member uses a compression method other than
        deflate or stored, or a file is missing on the mirror. The message
        says how to use a mirror.
    ChecksumMismatchError
        A downloaded or mirrored file does not have its official SHA-256
        (nothing is kept), or a cached file is corrupt and may not be
        replaced: ``download_if_missing=False``, or the file is reached
        through a symbolic link (``gzip/`` or the file itself). The cached
        file is then left untouched and the message says what to do.
    IDXFormatError
        A verified file could not be decoded.

    See Also
    --------
    load_emnist_folder : Load EMNIST-format files from a local folder.

    Examples
    --------
    A local folder holding the official member files serves as a mirror:

    >>> from sklearn_emnist.datasets import fetch_emnist
    >>> emnist = fetch_emnist("mnist", subset="test",
    ...                       mirror="../shared/emnist/gzip")  # doctest: +SKIP
    >>> emnist.images.shape, emnist.target_names[:3]  # doctest: +SKIP
    ((10000, 28, 28), array(['0', '1', '2'], dtype='<U1'))
    >>> X, y = fetch_emnist("letters", n_samples=2600, random_state=0,
    ...                     return_X_y=True)  # doctest: +SKIP
    """
    info = get_split_info(split)
    check_subset(subset)
    check_sampling(n_samples, random_state, n_available=info.n_images(subset))
    options = Options(n_retries=n_retries, delay=delay, timeout=timeout, progress=progress)
    # not created here: a local mirror's files are read in place, and the
    # array cache copes with a folder it cannot create
    home = emnist_home(data_home, create=False)

    @functools.cache
    def get_source():
        # resolved only when a member must be obtained: cached data still
        # loads after the mirror (or SKLEARN_EMNIST_MIRROR's target) is gone
        return resolve_source(mirror, EMNIST_URL)

    with ScratchFolder() as scratch:  # used only if the cache cannot be written
        parts, files = [], []
        for part in concrete_subsets(subset):
            members = [info.files[f"{part}-images"], info.files[f"{part}-labels"]]
            files += members

            def get_files(members=members):
                return obtain_members(
                    members, get_source, home, download_if_missing=download_if_missing,
                    options=options, scratch=scratch,
                )

            parts.append((f"{split}-{part}", get_files, info.n_images(part)))
        images, labels = load_decoded(parts, arrays_folder(data_home))
    if scratch.unwritable is not None:
        folder, exc = scratch.unwritable
        warnings.warn(
            f"The EMNIST cache {folder} is not writable ({exc.strerror or exc}): the member "
            "files were written to a temporary folder instead, verified and decoded there, "
            "and removed, so they will be downloaded (or extracted) again next time. Pass a "
            "writable data_home (or set SCIKIT_LEARN_DATA) to cache them, or a mirror folder "
            "holding the member files (mirror=<folder>), which is read in place.",
            UserWarning,
            stacklevel=2,
        )
    return make_bunch(
        info,
        subset,
        images,
        labels,
        files=files,
        n_samples=n_samples,
        random_state=random_state,
        as_characters=as_characters,
        return_X_y=return_X_y,
    )
