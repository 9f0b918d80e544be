"""Colour checks for the suite's figures: colour-vision deficiency, colour difference, text contrast.

- :func:`simulate_cvd`: how a colour looks with protanopia, deuteranopia or tritanopia (Machado,
  Oliveira & Fernandes 2009, severity 1.0, applied in linear RGB).
- :func:`delta_e`: the CIEDE2000 colour difference (CIELAB, D65 white); about 2 is just
  noticeable, 10 and more tells two colours apart at a glance.
- :func:`min_distance`: the closest pair of a set of colours, as seen with normal vision or with a
  deficiency.
- :func:`sample_scale`: evenly spaced colours of a plotly colour scale, to check a scale the same way.
- :func:`contrast_ratio`: the WCAG 2 contrast ratio of a text colour on its background (AA asks
  for 4.5:1 for normal text, 3:1 for large text and graphics).

Colours are given the way plotly takes them: ``"#RRGGBB"``, ``"#RGB"``, ``"rgb(r, g, b)"`` or
``"rgba(r, g, b, a)"`` (a translucent colour is composited over ``background``, white by default).

Examples
--------
>>> round(contrast_ratio("#555555", "#FFFFFF"), 2)
7.46
>>> simulate_cvd("#D55E00", "deuteranopia")
'#9E8C00'
>>> round(delta_e("#009E73", "#D55E00"), 1)
54.4
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

import numpy as np

#: Machado et al. (2009) simulation matrices at severity 1.0 (dichromacy), for linear RGB.
CVD_MATRICES = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: The deficiencies :func:`simulate_cvd` knows.
DEFICIENCIES = tuple(CVD_MATRICES)
#: WCAG 2 AA: the least contrast of normal text and of large text or graphical objects.
AA_TEXT = 4.5
AA_LARGE = 3.0

# sRGB (D65) -> XYZ, and the D65 white point.
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
_WHITE = _RGB_TO_XYZ @ np.ones(3)
_FUNCTIONAL = re.compile(r"^rgba?\(\s*([^)]*)\)$")


def to_rgb(colour: str, background: str = "#FFFFFF") -> np.ndarray:
    """``colour`` as sRGB in 0..1 (translucent colours composited over ``background``).

    Examples
    --------
    >>> to_rgb("#0072B2").round(3).tolist()
    [0.0, 0.447, 0.698]
    >>> to_rgb("rgba(127, 127, 127, 0.5)").round(3).tolist()
    [0.749, 0.749, 0.749]
    """
    text = colour.strip().lower()
    if text.startswith("#") and len(text) in (4, 7):
        digits = text[1:] if len(text) == 7 else "".join(c * 2 for c in text[1:])
        return np.array([int(digits[i:i + 2], 16) for i in (0, 2, 4)]) / 255
    match = _FUNCTIONAL.match(text)
    if match:
        parts = [float(p) for p in match.group(1).split(",")]
        if len(parts) in (3, 4):
            rgb = np.array(parts[:3]) / 255
            alpha = parts[3] if len(parts) == 4 else 1.0
            return rgb if alpha >= 1 else alpha * rgb + (1 - alpha) * to_rgb(background)
    raise ValueError(f"Colour {colour!r} is not '#RRGGBB', '#RGB', 'rgb(r, g, b)' or 'rgba(r, g, b, a)'.")


def to_hex(rgb: Iterable[float]) -> str:
    """sRGB in 0..1 as ``"#RRGGBB"`` (clipped to the gamut)."""
    return "#" + "".join(f"{round(255 * v):02X}" for v in np.clip(np.asarray(rgb, dtype=float), 0, 1))


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """Undo sRGB's gamma (IEC 61966-2-1)."""
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Apply sRGB's gamma (IEC 61966-2-1)."""
    linear = np.clip(np.asarray(linear, dtype=float), 0, 1)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate_cvd(colour: str, deficiency: str) -> str:
    """``colour`` as seen with ``deficiency`` ("protanopia", "deuteranopia" or "tritanopia"), as hex."""
    if deficiency not in CVD_MATRICES:
        raise ValueError(f"Unknown colour-vision deficiency {deficiency!r}; choose one of {', '.join(DEFICIENCIES)}.")
    return to_hex(linear_to_srgb(CVD_MATRICES[deficiency] @ srgb_to_linear(to_rgb(colour))))


def to_lab(colour: str) -> np.ndarray:
    """``colour`` in CIELAB (D65)."""
    xyz = _RGB_TO_XYZ @ srgb_to_linear(to_rgb(colour)) / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(first: str, second: str) -> float:
    """The CIEDE2000 difference of two colours (see :func:`delta_e_lab`)."""
    return delta_e_lab(to_lab(first), to_lab(second))


def delta_e_lab(lab1: Iterable[float], lab2: Iterable[float]) -> float:
    """CIEDE2000 (Sharma, Wu & Dalal 2005, with kL = kC = kH = 1) of two CIELAB colours.

    Examples
    --------
    >>> round(delta_e_lab((50, 2.6772, -79.7751), (50, 0, -82.7485)), 4)  # Sharma et al.'s first pair
    2.0425
    """
    (l1, a1, b1), (l2, a2, b2) = (map(float, lab1), map(float, lab2))
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    else:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dh_big = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    d_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh_big / s_h) ** 2
                         + r_t * (dc / s_c) * (dh_big / s_h)))


def min_distance(colours: Iterable[str], deficiency: str | None = None) -> tuple[float, tuple[str, str]]:
    """The smallest CIEDE2000 difference between any two of ``colours`` and that pair, with normal
    vision (``deficiency=None``) or as simulated with ``deficiency``.

    Examples
    --------
    >>> distance, pair = min_distance(["#0072B2", "#E69F00", "#009E73"], "deuteranopia")
    >>> pair, distance > 10
    (('#E69F00', '#009E73'), True)
    """
    colours = list(dict.fromkeys(colours))
    if len(colours) < 2:
        raise ValueError("min_distance needs at least two different colours.")
    seen = {c: c if deficiency is None else simulate_cvd(c, deficiency) for c in colours}
    return min((delta_e(seen[a], seen[b]), (a, b)) for a, b in itertools.combinations(colours, 2))


def sample_scale(scale: str | list, n: int = 11) -> list[str]:
    """``n`` evenly spaced colours (hex) of a plotly colour scale: a name such as ``"Viridis"`` or a
    list of ``[position, colour]`` stops.

    Examples
    --------
    >>> sample_scale("Viridis", 3)
    ['#440154', '#22908C', '#FDE725']
    """
    from plotly.colors import get_colorscale, sample_colorscale

    stops = get_colorscale(scale) if isinstance(scale, str) else scale
    return [to_hex(to_rgb(c)) for c in sample_colorscale(stops, list(np.linspace(0, 1, n)))]


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of ``colour`` (0 black, 1 white)."""
    return float(np.array([0.2126, 0.7152, 0.0722]) @ srgb_to_linear(to_rgb(colour)))


def contrast_ratio(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2's contrast ratio (1 to 21) of ``foreground`` on ``background`` (a translucent
    foreground is composited over the background first)."""
    fg = to_hex(to_rgb(foreground, background))
    high, low = sorted((relative_luminance(fg), relative_luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
