"""Shared test helpers."""

import base64
import json

import numpy as np


def decode_plotly(value):
    """Plotly >= 6 encodes arrays as {"dtype", "bdata", "shape"}; give back a numpy array."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            shape = value["shape"]
            shape = [int(s) for s in shape.split(",")] if isinstance(shape, str) else shape
            array = array.reshape(shape)
        return array
    return np.asarray(value)


def figure_json(fig_or_spec) -> dict:
    """A figure (or Streamlit's spec string) as the plain dict the browser receives."""
    if isinstance(fig_or_spec, str):
        return json.loads(fig_or_spec)
    return json.loads(fig_or_spec.to_json())


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def open_page(path: str | None = None, timeout: float = 90):
    """An AppTest of the app, run once, switched to the view at ``path`` if given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if path:
        at.switch_page(path).run()
    assert not at.exception, at.exception
    return at
