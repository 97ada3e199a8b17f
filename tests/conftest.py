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


def moving(spec: dict, frame: dict, name: str) -> dict:
    """What ``frame`` gives the moving trace called ``name`` (frames list the traces they
    move by position in the figure; the figure names its moving traces in ``meta``)."""
    index = next(i for i, t in enumerate(spec["data"]) if t.get("meta") == name)
    return frame["data"][frame["traces"].index(index)]


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def chart_figures(at) -> list[dict]:
    """Every Plotly figure on the page, in page order, as the browser receives it: from
    gdviz's own animated chart (``ui.charts``) and from ``st.plotly_chart``."""
    figures = []
    for node in at._tree:  # document order; AppTest.get() would separate the two kinds
        if node.type == "plotly_chart":
            figures.append(json.loads(node.proto.spec))
        elif node.type == "bidi_component" and node.proto.component_name == "gdviz.chart":
            payload = chart_payload(node)
            if "figure" in payload:
                figures.append(payload["figure"])
    return figures


def chart_payload(node) -> dict:
    """What a gdviz.chart element receives: {figure, readout, table, group, follow,
    clickable} (``ui.charts``), a bare figure read as {"figure": ...}."""
    payload = json.loads(json.loads(node.proto.json))
    if "figure" in payload or "table" in payload:
        return payload
    return {"figure": payload}


def animated_charts(at) -> list:
    """The page's gdviz.chart elements (their ``key`` is the key the page gave them)."""
    return [n for n in at.get("bidi_component") if n.proto.component_name == "gdviz.chart"]


def open_page(path: str | None = None, timeout: float = 90):
    """An AppTest of the app, run once, switched to the view at ``path`` if given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if path:
        at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def page_text(at) -> str:
    """Every text a user can read on the page: labels, help, options, bodies, alerts,
    table headers, and every chart's trace names, hovers, axis and colour-bar titles,
    ticks and annotations, with the lines and tables gdviz's chart shows beside it."""
    parts = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if node.type == "code":  # PyTorch code: `lr` is Python's name there
            continue
        for field, value in proto.ListFields():
            if field.name in ("label", "help", "body", "placeholder", "options", "value"):
                parts.append(value if isinstance(value, str) else str(value))
        spec = None
        if node.type == "plotly_chart":
            spec = json.loads(proto.spec)
        elif node.type == "bidi_component" and proto.component_name == "gdviz.chart":
            payload = chart_payload(node)
            parts += payload.get("readout") or []
            parts += (payload.get("table") or {}).get("columns", [])
            spec = payload.get("figure")
        if spec:
            for trace in spec.get("data", []):
                parts += [str(trace.get(k, "")) for k in ("name", "hovertemplate", "text")]
                parts.append(json.dumps(trace.get("marker", {}).get("colorbar", {})))
            layout = spec.get("layout", {})
            for key, value in layout.items():
                if key.startswith(("xaxis", "yaxis", "scene", "title", "annotations")):
                    parts.append(json.dumps(value, ensure_ascii=False))
    parts += [str(c) for table in at.dataframe for c in table.value.columns]
    parts += [str(v) for table in at.dataframe for v in table.value.to_numpy().ravel()]
    return "\n".join(parts)
