"""Turn a photo or scan of one handwritten character into an EMNIST image.

EMNIST images are 28x28, upright, light ink (255) on a black background (0),
the character centred. A photo of a character written on paper is the
opposite: dark ink on light paper, at any size and position. The conversion
follows the EMNIST (or MNIST) recipe:

1. grey levels in [0, 1] (colour averaged with Pillow's ``L`` weights,
   transparency composited onto the paper);
2. inverted when the ink is darker than the paper (the image's darkest and
   brightest levels compared with the paper's level, over the whole image
   and around each point);
3. background (followed across uneven lighting, but never up to the ink's
   level, so that bold strokes stay solid) subtracted, contrast stretched,
   faint noise and specks of dust removed;
4. cropped to the bounding box of the ink; strokes thinner than EMNIST's
   (a fine pen photographed large) widened;
5. scaled, keeping the aspect ratio, so that its longer side is 24 pixels
   and placed with its bounding box centred in 28x28, as the EMNIST authors
   converted NIST's 128x128 scans (``framing="emnist"``); or, as MNIST did,
   scaled to fit 20x20 and placed with its centre of mass at the centre
   (``framing="mnist"``).

An image that already is in EMNIST's format (28x28, with a black
background once inverted) only goes through steps 1-2 (``fit="auto"``), so
that EMNIST images saved as PNG come back unchanged; a 28x28 photo of paper
(a grey background) goes through every step. One without ink is refused all
the same.
"""

import os

import numpy as np

__all__ = ["image_to_emnist", "load_image_file", "load_image_files"]

SIZE = 28


def _border(image, width):
    return np.concatenate(
        [image[:width].ravel(), image[-width:].ravel(), image[:, :width].ravel(),
         image[:, -width:].ravel()]
    )


def _background(pixels):
    """Paper level at every pixel: a grey opening wider than most strokes.

    Follows uneven lighting (a gradient or a shadow across a photo), which a
    single level taken from the border cannot. A stroke wider than the opening
    (a bold marker, a character filling a small image) survives it; taken as
    paper and subtracted, it would leave only its outline. So an estimate
    that rises above the paper by more than half the contrast (the paper
    judged locally, by an opening three times as wide, which a shadow
    survives and a bold stroke does not, and at least the image border's
    level, as for ``invert="auto"``) is not believed: there, and a margin
    around it (the stroke's soft edges), the paper is that of the nearest
    pixels whose estimate is believable.

    Expects light ink on a dark background (after inversion).
    """
    from scipy import ndimage

    size = max(3, min(pixels.shape) // 4)
    background = ndimage.grey_opening(pixels, size=(size, size), mode="nearest")
    paper = np.median(_border(pixels, max(1, min(pixels.shape) // 20)))
    # a shadow is wide: a three times wider opening keeps it, and a bold stroke
    # not; so the estimate is judged against that one's, not the border's level
    wide = ndimage.grey_opening(pixels, size=(3 * size, 3 * size), mode="nearest")
    inked = background > np.maximum(wide, paper) + 0.5 * (pixels.max() - paper)
    if inked.any():
        # never all of the image: half the border at least is at most paper
        with_edges = ndimage.maximum_filter(inked, size=size // 2 * 2 + 1, mode="constant")
        if not with_edges.all():
            inked = with_edges
        nearest = ndimage.distance_transform_edt(
            inked, return_distances=False, return_indices=True
        )
        background = background[tuple(nearest)]
    return ndimage.uniform_filter(background, size=size, mode="nearest")


def _block_means(image, step):
    """``image`` shrunk ``step`` times: the means of its step x step blocks
    (a last partial row or column of blocks is left out)."""
    rows, cols = image.shape[0] // step, image.shape[1] // step
    return image[: rows * step, : cols * step].reshape(rows, step, cols, step).mean(axis=(1, 3))


def _ink_margin(image, paper):
    """How much further ``image``'s darkest point lies below ``paper`` than its
    brightest lies above, relative to both: in [-1, 1], positive for dark ink."""
    below, above = float(np.max(paper - image)), float(np.max(image - paper))
    return (below - above) / max(below + above, 1e-12)


# _ink_is_dark judges the paper around each point on the image shrunk to at
# most this many pixels on its shorter side, over a window of half that side,
# and never smaller than LOCAL_PAPER_MIN pixels (all of a small image): a bold
# character filling a 28x28 image would fill a smaller window.
LOCAL_PAPER_SIDE = 64
LOCAL_PAPER_MIN = 28


def _ink_is_dark(pixels):
    """Whether the ink is darker than the paper (and the image must be inverted).

    The ink is whichever extreme of the image (smoothed over 3x3 pixels, so
    that a few hot or dead pixels do not count) stands further out of the
    paper. Two judges of the paper's level give each a margin in [-1, 1]
    (how much further the darkest point lies below the paper than the
    brightest lies above, relative to both), and their sum decides:

    - the whole image's median, right however bold the strokes are, as long
      as the ink covers less than half of the image;
    - the median around each point, over a window half the image's shorter
      side (on the image shrunk to at most ``LOCAL_PAPER_SIDE`` pixels),
      right where the paper is unevenly lit: a lamp to one side, a vignette
      darkening the border (under a hard shadow's edge, the first judge
      decides).

    Any paper level works: grey paper in a dim photo (0.4) with black ink as
    well as white paper; a rule on the border's level, fixed at 0.5 or
    against the image's extremes, fails the first or a vignette.
    """
    from scipy import ndimage

    # float32: 4 times faster on a 12-megapixel photo, and precise enough here
    pixels = pixels.astype(np.float32)
    smooth = ndimage.uniform_filter(pixels, size=3, mode="nearest") if min(pixels.shape) >= 3 else pixels
    whole = _ink_margin(smooth, np.median(pixels))
    step = -(-min(pixels.shape) // LOCAL_PAPER_SIDE)  # block means of step x step pixels
    if step > 1:
        shrunk = smooth = _block_means(pixels, step)  # the block means are smooth already
    else:
        shrunk = pixels
    window = max(min(shrunk.shape) // 2, min(min(shrunk.shape), LOCAL_PAPER_MIN))
    if window >= max(shrunk.shape):  # all of the image, wherever the window is
        return whole > 0
    local = _ink_margin(smooth, _coarse_median_filter(shrunk, window))
    return whole + local > 0


def _coarse_median_filter(image, window):
    """The median of ``image`` over a ``window`` x ``window`` window around
    each pixel (the image reflected at its edges), taken around points a
    quarter of a window apart and held between them: the paper's level,
    which changes little over a quarter window, 16 times faster."""
    from numpy.lib.stride_tricks import sliding_window_view

    stride = max(1, window // 4)
    half = window // 2
    padded = np.pad(image, half, mode="symmetric")
    windows = sliding_window_view(padded, (window, window))[::stride, ::stride]
    medians = np.median(windows.reshape(*windows.shape[:2], -1), axis=2)
    # each pixel takes the median around its nearest point of the grid
    rows = np.minimum((np.arange(image.shape[0]) + stride // 2) // stride, medians.shape[0] - 1)
    cols = np.minimum((np.arange(image.shape[1]) + stride // 2) // stride, medians.shape[1] - 1)
    return medians[np.ix_(rows, cols)]


# The background of a real EMNIST image (light ink on black) is 0: the median
# of its 1-pixel border is exactly 0 in every image of the letters, byclass
# and digits files. A 28x28 image whose border median, once inverted, is at
# most this is taken as EMNIST-framed; anything brighter is paper to remove.
FRAMED_BACKGROUND = 0.02


def _is_emnist_framed(pixels):
    """Whether a 28x28 image (light ink on dark) already is in EMNIST's format:
    its background, the median of its 1-pixel border, is black."""
    return pixels.shape == (SIZE, SIZE) and np.median(_border(pixels, 1)) <= FRAMED_BACKGROUND


def _no_ink(reason):
    return ValueError(
        f"no ink found: {reason}. Is it the right file, and does it show one dark character "
        "on light paper (or light on dark)?"
    )


# What counts as ink (see _check_ink). Its level must stand this many times
# the paper's own noise above the paper. Measured in units of the noise's
# standard deviation (see _noise_level), on synthetic photos of blank sheets
# (sensor noise of 0.5 to 8 grey levels, also enlarged 2 to 4 times or
# blurred, JPEG down to quality 70, gradients, paper from 0.3 to 0.9) the
# "ink" reaches 5.7 times the noise; on real EMNIST letters rendered as
# photos (thin pen, dim grey paper, a lamp to one side, a vignette, glare, a
# shadow, JPEG, 28 to 300 pixels) 13 times and more, and for faint pencil
# 0.15 below the paper under noise of 4 to 6 grey levels, 5.8 and more (1 of
# 104 such letters is refused).
INK_CONTRAST = 6.5
# The noise is never taken below one grey level of an 8-bit image: the
# quantisation steps of a smooth gradient are not ink.
GREY_LEVEL = 1.0 / 255
# Its strong part (above half its level) must hold a piece shaped like a
# stroke, longer than STROKE_ELONGATION times its width (real letters: 3.5
# and more; specks of dust, paper grain and JPEG blotches: about 2) or spanning
# LARGE_SHARE of the image's shorter side or more (a bold bar that fills the
# image; dust never does).
STROKE_ELONGATION = 2.5
LARGE_SHARE = 0.25


# median |x - median of x's 3x3 neighbourhood| of Gaussian noise of standard
# deviation 1 (measured on a million samples)
_MEDIAN_FILTER_MAD = 0.5826
# _noise_level also measures the noise on the image shrunk 2 and 4 times
# while its shorter side keeps this many pixels (JPEG's 8x8 blocks flatten
# the noise within them even in a small image)
NOISE_SCALE_MIN_SIDE = 8
# an image smaller than this (a tiny drawing: nobody photographs a blank
# sheet at 7x7 pixels) has too few pixels to tell noise from strokes: none
NOISE_MIN_SIDE = 8


def _pixel_noise(image):
    """The noise of independent pixels: their median distance to the median of
    their 3x3 neighbourhood, as a standard deviation for Gaussian noise, on
    rows spread over the image (about 250,000 pixels: plenty, and fast on a
    12-megapixel photo)."""
    from numpy.lib.stride_tricks import sliding_window_view

    if min(image.shape) < NOISE_MIN_SIDE:
        return 0.0
    step = max(1, int(np.ceil(image.size / 2**18)))
    centres = np.arange(1, image.shape[0] - 1, step)
    rows = image[np.stack([centres - 1, centres, centres + 1])].astype(np.float32)
    # windows[k, j] is the 3x3 neighbourhood of pixel (centres[k], j + 1)
    windows = sliding_window_view(rows, 3, axis=2).transpose(1, 2, 0, 3)
    neighbourhood = np.median(windows.reshape(*windows.shape[:2], 9), axis=2)
    distance = np.abs(rows[1, :, 1:-1] - neighbourhood)
    return float(np.median(distance)) / _MEDIAN_FILTER_MAD


def _noise_level(image):
    """Standard deviation of an image's pixel noise, robust to its content.

    :func:`_pixel_noise`: ink, covering less than half the image, shows only
    at its edges; lighting, smooth however uneven (a lamp to one side, a
    vignette), not at all. Noise spread over neighbouring pixels (an image
    enlarged, blurred or denoised) hardly differs from its neighbours: it is
    measured on the image shrunk 2 and 4 times too (block means), where
    independent noise shrinks and such noise does not; the largest measure
    counts.
    """
    levels = [_pixel_noise(image)]
    for step in (2, 4):
        if min(image.shape) // step < NOISE_SCALE_MIN_SIDE:
            break
        levels.append(_pixel_noise(_block_means(image, step)))
    return max(levels)


def _check_ink(residual):
    """Raise ``ValueError`` when ``residual`` (the image less its paper, light
    ink on dark) holds no ink: nothing that stands out of the paper's noise,
    or only specks.

    Two tests, both scale-free:

    - level: the ink's level above the paper (a high percentile of the
      pixels above a tenth of the strongest, as for the contrast stretch)
      must be at least ``INK_CONTRAST`` times the paper's noise. The paper's
      level is the median of the image's border, and its noise (see
      :func:`_noise_level`) is measured from each pixel's difference to
      its 3x3 neighbours, which lighting (smooth, however uneven) does not
      change, and never below one grey level. A flat paper (a drawing, an
      EMNIST image) has no noise: one grey level.
    - shape: among the connected pieces of the strong ink (above half its
      level), one must be a stroke, at least ``STROKE_ELONGATION`` times as
      long (the longer side of its bounding box) as it is wide (twice its
      area over its perimeter), or large, spanning at least ``LARGE_SHARE``
      of the image's shorter side. Specks of dust are compact and small.
    """
    from scipy import ndimage

    paper = np.median(_border(residual, max(1, min(residual.shape) // 20)))
    noise = max(_noise_level(residual), GREY_LEVEL)
    ink = residual - paper
    strongest = ink.max()
    level = np.percentile(ink[ink > 0.1 * strongest], 99.0) if strongest > 0 else 0.0
    if level <= 0:
        raise _no_ink("the image is uniform once its background is removed")
    if level < INK_CONTRAST * noise:
        raise _no_ink(
            f"nothing stands out of the paper's noise (the ink's level, {255 * level:.1f} grey "
            f"levels above the paper, is less than {INK_CONTRAST:g} times the noise, "
            f"{255 * noise:.1f} grey levels: a blank sheet, or ink too faint to tell)"
        )
    strong = ink > level / 2
    labels, n = ndimage.label(strong, structure=np.ones((3, 3)))
    area = np.bincount(labels[strong], minlength=n + 1)[1:]
    perimeter = np.bincount(labels[strong & ~ndimage.binary_erosion(strong)],
                            minlength=n + 1)[1:]
    width = 2.0 * area / np.maximum(perimeter, 1)
    # bounding boxes: the strong pixels grouped by piece (labels 1..n, in order)
    rows, cols = np.nonzero(strong)
    order = np.argsort(labels[rows, cols], kind="stable")
    rows, cols = rows[order], cols[order]
    starts = np.concatenate([[0], np.cumsum(area)[:-1]])
    length = np.maximum(
        np.maximum.reduceat(rows, starts) - np.minimum.reduceat(rows, starts),
        np.maximum.reduceat(cols, starts) - np.minimum.reduceat(cols, starts),
    ) + 1
    if not ((length >= STROKE_ELONGATION * width)
            | (length >= LARGE_SHARE * min(residual.shape))).any():
        raise _no_ink(
            f"only specks (dust, grain or noise) stand out of the paper: none is shaped like "
            f"a stroke, and the largest spans {length.max()} pixels"
        )


def _drop_specks(ink, min_share=0.01):
    """Remove connected bits of ink holding less than ``min_share`` of all ink
    (dust, paper grain, JPEG noise) so that they do not stretch the crop."""
    from scipy import ndimage

    labels, n = ndimage.label(ink > 0, structure=np.ones((3, 3)))
    if n <= 1:
        return ink
    mass = ndimage.sum(ink, labels, index=np.arange(1, n + 1))
    keep = np.concatenate([[False], mass >= min_share * mass.sum()])
    return np.where(keep[labels], ink, 0.0)


def _resize(image, shape):
    """Resize a float image with Pillow (Lanczos; area-like when shrinking)."""
    from PIL import Image

    height, width = shape
    pil = Image.fromarray(image.astype(np.float32), mode="F")
    resample = Image.Resampling.BOX if min(image.shape) > 4 * max(shape) else Image.Resampling.LANCZOS
    return np.clip(np.asarray(pil.resize((width, height), resample=resample)), 0.0, 1.0)


# EMNIST strokes are about 3.1 pixels wide in 28x28 (median over real letters,
# 2.4 to 4.3 for 80 % of them); pen strokes photographed at a high resolution
# shrink to a fraction of a pixel when scaled down, unless thickened first.
EMNIST_STROKE = 3.1
THIN_STROKE = 2.0


def stroke_width(ink):
    """Mean stroke width in pixels of a binary ink mask: 2 * area / perimeter."""
    from scipy import ndimage

    ink = np.asarray(ink, dtype=bool)
    boundary = ink & ~ndimage.binary_erosion(ink)
    return 2.0 * ink.sum() / max(int(boundary.sum()), 1)


def _thicken(glyph, scale):
    """Dilate thin strokes so that they are about EMNIST's width once scaled."""
    from scipy import ndimage

    width_out = stroke_width(glyph > 0.5) * scale
    if width_out >= THIN_STROKE:
        return glyph
    radius = (EMNIST_STROKE - width_out) / scale / 2
    if radius < 0.5:
        return glyph
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r: r + 1, -r: r + 1]
    disk = xx**2 + yy**2 <= radius**2
    padded = np.pad(glyph, r)
    return ndimage.grey_dilation(padded, footprint=disk)


def _float_tolerance():
    """How far outside [0, 1] float pixels are clipped as overshoot, not refused.

    The tolerance of :func:`sklearn_emnist.utils.check_images` (0.1), so that
    an array the estimators accept is read here too. Further out, pixels are
    not 0..1 grey levels and guessing a scale would silently turn the image
    blank or negative. (Imported here, not at the top: the validation module
    imports scipy.sparse, which reading an image does not need.)
    """
    from ..utils._validation import FLOAT_PIXEL_TOLERANCE

    return FLOAT_PIXEL_TOLERANCE


def _unit_grey_levels(pixels):
    """Pixels as float64 in [0, 1]: integers divided by 255, both checked."""
    if pixels.dtype.kind == "b":
        return pixels.astype(np.float64)
    if pixels.dtype.kind in "ui":
        if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
            raise ValueError(
                f"integer pixels must be grey levels 0..255, got values from {pixels.min()} "
                f"to {pixels.max()}. For 16-bit levels (0..65535) pass image / 65535 as "
                "floats in [0, 1]."
            )
        return pixels.astype(np.float64) / 255.0
    pixels = pixels.astype(np.float64)
    if not np.isfinite(pixels).all():
        raise ValueError(
            "image holds NaN or infinite pixels; fill or drop them before converting."
        )
    low, high = pixels.min(), pixels.max()
    if low < -_float_tolerance() or high > 1 + _float_tolerance():
        raise ValueError(
            f"float pixels must be grey levels in [0, 1], got values from {low:g} to {high:g}. "
            "For 0..255 levels pass the image as uint8 (image.astype(np.uint8)) or divide it "
            "by 255."
        )
    return np.clip(pixels, 0.0, 1.0)


def _composite_on_paper(grey, alpha):
    """Put transparent pixels on the paper's level.

    When most of the image is opaque, its opaque part is the paper and its
    median level is the paper's; when most is transparent (strokes drawn on a
    transparent background), the paper contrasts with the opaque strokes.
    """
    if not (alpha < 1).any():
        return grey
    opaque = alpha > 0.5
    if not opaque.any():
        paper = 1.0
    elif opaque.mean() >= 0.5:
        paper = float(np.median(grey[opaque]))
    else:
        paper = 1.0 if np.median(grey[opaque]) < 0.5 else 0.0
    return alpha * grey + (1 - alpha) * paper


def image_to_emnist(
    image, *, invert="auto", fit="auto", framing="emnist", box=None, noise_level=0.2,
    thicken=True,
):
    """Convert one grey or colour character image to EMNIST's format.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, 3 or 4)
        Pixels as integers 0..255 or floats 0..1 (floats a little outside,
        such as a resampling's overshoot, are clipped; NaN is refused).
    invert : {"auto", True, False}, default="auto"
        Invert grey levels (needed for dark ink on light paper). ``"auto"``
        inverts when the ink is darker than the paper: when the image's
        darkest point lies further below the paper than its brightest point
        lies above, the paper's level judged both over the whole image (its
        median) and around each point (a median over half the image's side),
        so that any paper level works (grey paper in a dim photo as well as
        white paper), under uneven light as well (a lamp to one side, a
        vignette).
    fit : {"auto", True, False}, default="auto"
        Crop, scale and centre the character. ``"auto"``: unless the image is
        already EMNIST-framed: 28x28 with a black background once inverted
        (the median of its 1-pixel border at most 0.02, as in every real
        EMNIST image); a 28x28 photo of paper goes through every step. An
        image without ink is refused either way.
    framing : {"emnist", "mnist"}, default="emnist"
        ``"emnist"`` (the EMNIST paper's conversion): the character's longer
        side fills 24 pixels (a 2-pixel margin) and its bounding box is
        centred. ``"mnist"``: it fits in 20x20 and its centre of mass is
        centred. Models trained on EMNIST agree with their predictions on the
        original images far more often with ``"emnist"`` (see the tests).
    box : int, default=None
        Side of the square the character is scaled to fit; default 24 for
        ``"emnist"``, 20 for ``"mnist"``.
    thicken : bool, default=True
        Widen strokes that would end up thinner than 2 pixels (a pen photographed
        at a high resolution) to EMNIST's typical 3 pixels before scaling.
    noise_level : float in [0, 1), default=0.2
        After background removal, ink fainter than this share of the
        strongest ink is treated as paper (shadows, grain, JPEG noise).

    Returns
    -------
    emnist : ndarray of shape (28, 28), uint8
        Upright, light ink on black, as :func:`sklearn_emnist.fetch_emnist`
        returns images.

    Raises
    ------
    ValueError
        On an image with no ink, a wrong shape, NaN pixels, float pixels
        outside [0, 1], or a ``noise_level`` outside [0, 1). An image has no
        ink when, its background removed, nothing stands out of the paper by
        6.5 times the paper's own noise (sensor noise, JPEG artefacts, the
        steps of a gradient: a photo of a blank sheet), or only specks do
        (dust: pieces neither longer than 2.5 times their width, as strokes
        are, nor spanning a quarter of the image).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.io import image_to_emnist
    >>> page = np.full((200, 120), 240, dtype=np.uint8)   # light paper
    >>> page[30:170, 50:70] = 20                          # a dark stroke: "l"
    >>> out = image_to_emnist(page, framing="mnist")
    >>> out.shape, out.dtype, int(out.max()), int(out[0, 0])
    ((28, 28), dtype('uint8'), 255, 0)
    >>> rows = np.flatnonzero(out.max(axis=1)); cols = np.flatnonzero(out.max(axis=0))
    >>> int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)   # fitted in 20x20
    (20, 3)
    """
    pixels = np.asarray(image)
    if pixels.dtype.kind not in "uifb":
        raise TypeError(f"image must hold numeric pixels, got dtype {pixels.dtype}.")
    if not (isinstance(noise_level, (int, float, np.integer, np.floating))
            and 0 <= noise_level < 1):
        raise ValueError(f"noise_level must be a number in [0, 1), got {noise_level!r}.")
    pixels = _unit_grey_levels(pixels)
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        rgb = pixels[..., :3]
        grey = rgb @ np.array([0.299, 0.587, 0.114])
        if pixels.shape[2] == 4:  # transparent pixels are paper
            grey = _composite_on_paper(grey, alpha=pixels[..., 3])
        pixels = grey
    if pixels.ndim != 2:
        raise ValueError(
            f"image must be 2-d (grey) or 3-d with 3 or 4 colour channels, got shape {pixels.shape}."
        )
    if min(pixels.shape) < 2:
        raise ValueError(f"image of shape {pixels.shape} is too small to hold a character.")
    if invert == "auto":
        invert = _ink_is_dark(pixels)
    elif invert not in (True, False):
        raise ValueError(f"invert must be 'auto', True or False, got {invert!r}.")
    if invert:
        pixels = 1.0 - pixels
    if fit == "auto":
        fit = not _is_emnist_framed(pixels)
    elif fit not in (True, False):
        raise ValueError(f"fit must be 'auto', True or False, got {fit!r}.")
    # checked whatever fit is: a wrong option is wrong even where it is not used
    if framing not in ("emnist", "mnist"):
        raise ValueError(f"framing must be 'emnist' or 'mnist', got {framing!r}.")
    if box is None:
        box = 24 if framing == "emnist" else 20
    if not 1 <= box <= SIZE:
        raise ValueError(f"box must be between 1 and {SIZE}, got {box!r}.")
    if not fit:
        if pixels.shape != (SIZE, SIZE):
            raise ValueError(f"fit=False needs a 28x28 image, got shape {pixels.shape}.")
        _check_ink(pixels)  # EMNIST-framed: the background is black, nothing to remove
        return np.rint(np.clip(pixels, 0, 1) * 255).astype(np.uint8)

    residual = pixels - _background(pixels)
    _check_ink(residual)
    ink = np.clip(residual, 0.0, None)
    # the ink's level: a high percentile of the inked pixels, which ignores a few
    # hot ones however small a part of the page the character covers
    peak = np.percentile(ink[ink > 0.1 * ink.max()], 99.0) if ink.max() > 0 else 0.0
    if peak <= 1e-6:  # the paper's level (the border) lies above the ink
        raise _no_ink("the image is uniform once its background is removed")
    ink = np.clip(ink / peak, 0.0, 1.0)
    ink = np.clip((ink - noise_level) / (1.0 - noise_level), 0.0, 1.0)
    ink = _drop_specks(ink)
    if not ink.any():  # every piece too small a share of the ink to keep
        raise _no_ink("only specks (dust, grain or noise) stand out of the paper")
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    glyph = ink[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]

    height, width = glyph.shape
    if thicken:
        glyph = _thicken(glyph, box / max(height, width))
        height, width = glyph.shape
    scale = box / max(height, width)
    new_shape = (max(1, round(height * scale)), max(1, round(width * scale)))
    glyph = _resize(glyph, new_shape)
    if glyph.max() > 0:
        glyph = glyph / glyph.max()

    out = np.zeros((SIZE, SIZE), dtype=np.float64)
    if framing == "mnist":
        total = glyph.sum()
        rr, cc = np.indices(glyph.shape)
        centre_row = (rr * glyph).sum() / total
        centre_col = (cc * glyph).sum() / total
    else:  # centre of the bounding box
        centre_row = (glyph.shape[0] - 1) / 2
        centre_col = (glyph.shape[1] - 1) / 2
    top = round((SIZE - 1) / 2 - centre_row)
    left = round((SIZE - 1) / 2 - centre_col)
    # keep the whole glyph inside the frame even when its mass is off-centre
    top = min(max(top, 0), SIZE - glyph.shape[0])
    left = min(max(left, 0), SIZE - glyph.shape[1])
    out[top: top + glyph.shape[0], left: left + glyph.shape[1]] = glyph
    return np.rint(out * 255).astype(np.uint8)


def _float_file_levels(array, path):
    """Grey levels of a floating-point image file (TIFF mode ``F``).

    Such files hold either 0..1 or 0..255 levels; which one is read from the
    values, as the file does not say. A resampling's overshoot on either side
    of the range (as much as the estimators clip, a tenth of it) is clipped.
    """
    array = np.asarray(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{path}: the image holds NaN or infinite pixels.")
    tolerance = _float_tolerance()
    # 0..255 only where the brightest level cannot be a 0..1 one with its
    # overshoot (a 0..255 image as dark as that holds no character anyway);
    # the darkest level must fit the same scale
    top = 1.0 if array.max() <= 2 else 255.0
    if -tolerance * top <= array.min() and array.max() <= (1 + tolerance) * top:
        return np.clip(array / top, 0.0, 1.0)
    raise ValueError(
        f"{path}: floating-point pixels from {array.min():g} to {array.max():g} are neither "
        "0..1 nor 0..255 grey levels."
    )


def _int_file_levels(array, path):
    """Grey levels of a 32-bit integer image file (Pillow mode ``I``).

    Such files (a TIFF saved from an int32 array, a 16-bit PNG in older
    Pillow) hold 0..255 or 0..65535 levels; which one is read from the values,
    as the file does not say, in the same way as :func:`_float_file_levels`.
    """
    array = np.asarray(array)
    low, high = int(array.min()), int(array.max())
    if low >= 0 and high <= 65535:
        # float32, as the 8- and 16-bit modes are read: the same levels give
        # the same image whichever mode holds them
        return array.astype(np.float32) / (255.0 if high <= 255 else 65535.0)
    raise ValueError(
        f"{path}: 32-bit integer pixels from {low} to {high} are neither 0..255 nor "
        "0..65535 grey levels. Rescale the image to one of these ranges (or to 0..1 "
        "floats) before saving it."
    )


def load_image_file(path, **kwargs):
    """Read a PNG / JPEG / BMP / GIF / TIFF file and convert it to EMNIST format.

    Parameters
    ----------
    path : str or path-like
        Image file (anything Pillow opens). Multi-frame files use frame 0.
    **kwargs
        Passed to :func:`image_to_emnist` (``invert``, ``fit``, ``framing``,
        ``box``, ``noise_level``, ``thicken``).

    Returns
    -------
    emnist : ndarray of shape (28, 28), uint8

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Pillow cannot read the file, its pixels are not grey levels in a range
        it can tell (see Notes), or it holds no character.
    ImportError
        Pillow is not installed.

    Notes
    -----
    Grey levels are scaled to [0, 1] by the range the file's mode implies:
    8-bit files by 255, 16-bit ones (modes ``I;16``, ``I;16B``) by 65535.
    Two modes do not say their range, so it is read from the values:

    - 32-bit integers (mode ``I``: a TIFF saved from an int32 array, a 16-bit
      PNG in older Pillow): divided by 255 when all pixels are within 0..255,
      otherwise by 65535 when within 0..65535;
    - floating point (mode ``F``): kept when within 0..1, divided by 255 when
      within 0..255.

    Other values (negative, larger) raise ``ValueError``. A mode ``I`` file
    with 16-bit levels none of which exceeds 255 (a nearly black image) is
    thus read as 8-bit levels.

    Examples
    --------
    A dark character on a light, larger photo-like background comes back in
    EMNIST's format (light ink on black, 28x28):

    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from sklearn_emnist.io import load_image_file
    >>> page = np.full((120, 90), 230, dtype=np.uint8)
    >>> page[20:100, 40:50] = 20  # a dark vertical stroke: a '1' or an 'l'
    >>> path = os.path.join(tempfile.mkdtemp(), "one.png")
    >>> Image.fromarray(page).save(path)
    >>> image = load_image_file(path)
    >>> image.shape, image.dtype
    ((28, 28), dtype('uint8'))
    >>> bool(image[14, 14] > 128 and image[0, 0] == 0)
    True
    """
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError as exc:
        raise ImportError(
            "Reading PNG/JPEG files needs Pillow: pip install 'sklearn-emnist[plot]' "
            "(or pip install pillow)."
        ) from exc
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"image file not found: {path}")
    try:
        with Image.open(path) as opened:
            opened.seek(0)
            # a phone photo stores its pixels sideways with an EXIF orientation tag
            pil = ImageOps.exif_transpose(opened)
            if pil.mode in ("RGBA", "LA", "PA") or (pil.mode == "P" and "transparency" in pil.info):
                array = np.asarray(pil.convert("RGBA"))
            elif pil.mode == "F":
                array = _float_file_levels(np.asarray(pil), path)
            elif pil.mode == "I":
                array = _int_file_levels(np.asarray(pil), path)
            elif pil.mode == "L" or pil.mode.startswith("I;16"):  # I;16B: big-endian
                array = np.asarray(pil.convert("F")) / (65535.0 if pil.mode != "L" else 255.0)
            else:
                array = np.asarray(pil.convert("RGB"))
    except UnidentifiedImageError as exc:
        raise ValueError(f"{path}: not an image file Pillow can read ({exc}).") from exc
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the image ({exc}).") from exc
    try:
        return image_to_emnist(array, **kwargs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_image_files(paths, **kwargs):
    """Read several image files into an ``(n, 28, 28)`` uint8 array.

    Parameters
    ----------
    paths : iterable of str or path-like
        Image files, converted one by one with :func:`load_image_file`.
    **kwargs
        Passed to :func:`image_to_emnist`.

    Returns
    -------
    images : ndarray of shape (n_files, 28, 28), uint8

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from sklearn_emnist.io import load_image_files
    >>> folder = tempfile.mkdtemp()
    >>> paths = []
    >>> for i in range(3):
    ...     page = np.zeros((40, 40), dtype=np.uint8)
    ...     page[8:32, 15 + i:22 + i] = 255  # light ink on black
    ...     paths.append(os.path.join(folder, f"{i}.png"))
    ...     Image.fromarray(page).save(paths[-1])
    >>> load_image_files(paths).shape
    (3, 28, 28)
    """
    paths = list(paths)
    if not paths:
        raise ValueError("no image files given.")
    return np.stack([load_image_file(path, **kwargs) for path in paths])
