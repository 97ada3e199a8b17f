"""The "Fit a model" page through AppTest."""

import re

import pytest

from tests.conftest import chart_figures, decode_plotly, moving, open_page


@pytest.fixture
def fit_page():
    return open_page("views/fit.py")


def alerts(at):
    return [(k, e.value) for k in ("success", "info", "warning", "error") for e in getattr(at, k)]


def figure(at):
    return chart_figures(at)[0]


def test_three_points_states_the_textbook_facts_and_reaches_w_2(fit_page):
    kind, text = alerts(fit_page)[0]
    assert kind == "success" and "w = 2.0000" in text
    said = " ".join(m.value for m in fit_page.markdown)
    assert "predicts (1, 2, 3)" in said and "< 0" in said and "increase w" in said
    spec = figure(fit_page)
    assert len(spec["frames"]) > 1
    last_line = moving(spec, spec["frames"][-1], "line")
    xs, ys = last_line["x"], last_line["y"]
    assert ys[1] / xs[1] == pytest.approx(2.0, rel=1e-3)  # the fitted line is y = 2x


@pytest.mark.parametrize("dataset", ["four_points", "noisy_line"])
@pytest.mark.parametrize("batch", ["full batch", "mini-batch", "1 (SGD)"])
def test_every_dataset_and_batch_mode_renders(fit_page, dataset, batch):
    fit_page.selectbox(key="fit_dataset").set_value(dataset).run()
    fit_page.radio(key="fit_batch").set_value(batch).run()
    assert not fit_page.exception
    assert alerts(fit_page)
    assert figure(fit_page)["frames"]


def test_the_batch_comparison_shows_three_runs(fit_page):
    fit_page.selectbox(key="fit_dataset").set_value("four_points").run()
    fit_page.session_state["fit_details"] = "Full batch vs mini-batch vs SGD"
    fit_page.run()
    compare = chart_figures(fit_page)[-1]
    names = {t.get("name") for t in compare["data"]}
    assert {"full batch", "SGD (batch 1)"} <= names


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"x,y\n1,abc\n2,3\n", "not a number"),
        (b"x\n1\n2\n3\n", "two columns"),
        (b"1,2\n2,nan\n", "NaN"),
    ],
)
def test_a_malformed_csv_gets_a_clear_message_and_the_page_keeps_working(
    fit_page, content, message
):
    fit_page.selectbox(key="fit_dataset").set_value("upload").run()
    fit_page.file_uploader(key="fit_csv").upload("data.csv", content, "text/csv").run()
    assert not fit_page.exception
    errors = [e.value for e in fit_page.error]
    assert errors and message.lower() in errors[0].lower(), errors
    fit_page.selectbox(key="fit_dataset").set_value("three_points").run()
    assert alerts(fit_page)[0][0] == "success"


def test_a_valid_csv_is_fitted(fit_page):
    fit_page.selectbox(key="fit_dataset").set_value("upload").run()
    content = b"x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n"
    fit_page.file_uploader(key="fit_csv").upload("data.csv", content, "text/csv").run()
    assert not fit_page.exception
    assert not fit_page.error
    data = next(t for t in figure(fit_page)["data"] if t.get("name") == "data")
    assert list(decode_plotly(data["y"])) == [3.1, 4.9, 7.2, 8.8]


def test_at_w_3_the_model_overestimates_and_the_derivative_is_positive(fit_page):
    fit_page.slider(key="fit_w0").set_value(3.0).run()
    said = " ".join(m.value for m in fit_page.markdown)
    assert "predicts (3, 6, 9)" in said and "> 0" in said and "decrease w" in said
    assert alerts(fit_page)[0][0] == "success"


# ---- issue 11 ------------------------------------------------------------------------------


def upload(at, content: bytes, name: str = "data.csv"):
    at.file_uploader(key="fit_csv").upload(name, content, "text/csv").run()
    assert not at.exception, at.exception


def test_uploading_a_file_resets_eta_and_the_start_like_choosing_a_data_set(fit_page):
    fit_page.selectbox(key="fit_dataset").set_value("upload").run()
    upload(fit_page, b"x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n", "a.csv")
    first_lr = fit_page.session_state["fit_lr"]
    fit_page.select_slider(key="fit_lr").set_value(0.001).run()
    fit_page.slider(key="fit_w0").set_value(2.0).run()
    fit_page.slider(key="fit_b0").set_value(1.0).run()
    # x ten times larger: the stable η is about a hundred times smaller
    upload(fit_page, b"x,y\n10,3.1\n20,4.9\n30,7.2\n40,8.8\n", "b.csv")
    from ui.compute import load_dataset

    data = load_dataset(("csv", b"x,y\n10,3.1\n20,4.9\n30,7.2\n40,8.8\n"))
    assert fit_page.session_state["fit_lr"] == data.lr != first_lr
    assert fit_page.session_state["fit_w0"] == fit_page.session_state["fit_b0"] == 0.0
    assert "(w = 0, b = 0)" in " ".join(m.value for m in fit_page.markdown)


def test_data_near_1e300_get_a_clear_message_and_no_numpy_warnings(fit_page, recwarn):
    fit_page.selectbox(key="fit_dataset").set_value("upload").run()
    upload(fit_page, b"x,y\n1e300,2e300\n-1e300,3e299\n5e299,1\n")
    errors = [e.value for e in fit_page.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("Cannot fit: the loss L(w, b) overflows at the start w = 0, b = 0.")
    assert "2 × 10³⁰⁰" in errors[0] and "Rescale the columns" in errors[0]
    assert "csv_mse" not in errors[0] and "[" not in errors[0]
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)], [
        str(w.message) for w in recwarn
    ]


@pytest.mark.parametrize(("dataset", "box"), [("three_points", (0.0, 4.0)), ("four_points", None),
                                              ("noisy_line", None)])  # fmt: skip
def test_starts_are_shown_without_dust(fit_page, dataset, box):
    import math

    fit_page.selectbox(key="fit_dataset").set_value(dataset).run()
    from gdviz import DATASETS

    for key, suggested in zip(("fit_w0", "fit_b0"), DATASETS[dataset].start, strict=False):
        slider = fit_page.slider(key=key)
        assert slider.value == suggested and math.copysign(1, slider.value) == 1  # not −0.00
        assert slider.min == float(f"{slider.min:.4g}")  # a round end, not 4.44e-16
    if box:
        assert (fit_page.slider(key="fit_w0").min, fit_page.slider(key="fit_w0").max) == box
    said = " ".join(m.value for m in fit_page.markdown)
    assert "e-1" not in said and "e-0" not in said


def visible_text(at) -> list[str]:
    """Every sentence, label, help text and option the page shows, outside its charts."""
    texts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        for attr in ("body", "label", "help", "placeholder"):
            value = getattr(proto, attr, None) if proto is not None else None
            if isinstance(value, str) and value:
                texts.append(value)
        options = getattr(proto, "options", None) if proto is not None else None
        if options is not None and node.type in ("radio", "selectbox", "select_slider"):
            texts.extend(str(o) for o in options)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts


def test_the_page_speaks_of_L_w_b_and_eta(fit_page):
    """No "lr", f(x) or f′ anywhere the fit page writes (its landscape figure aside)."""
    seen = []
    for dataset in ("three_points", "four_points"):
        fit_page.selectbox(key="fit_dataset").set_value(dataset).run()
        for tab in ("Full batch vs mini-batch vs SGD", "Every epoch"):
            fit_page.session_state["fit_details"] = tab
            fit_page.radio(key="fit_batch").set_value("mini-batch").run()
            seen += visible_text(fit_page)
            seen += [str(c) for d in fit_page.dataframe for c in d.value.columns]
            spec = figure(fit_page)
            seen += [t.get("name") or "" for t in spec["data"]]
            seen += [a["title"]["text"] for k, a in spec["layout"].items()
                     if k.startswith(("xaxis", "yaxis")) and "title" in a]  # fmt: skip
    assert seen
    bad = [t for t in seen if re.search(r"\blr\b|f\(x|f′|∂f|∇f|\bloss f\b", t)]
    assert not bad, bad
    assert any("L(w, b) =" in t for t in seen)  # the formula names the loss
    assert any("∂L/∂w" in t for t in seen)


def test_the_banners_jargon_is_explained_beneath_it(fit_page):
    fit_page.selectbox(key="fit_dataset").set_value("four_points").run()
    kind, text = alerts(fit_page)[0]
    assert "tolerance" in text
    captions = [c.value for c in fit_page.caption]
    assert any(c.startswith("The tolerance:") for c in captions), captions
    fit_page.selectbox(key="fit_dataset").set_value("three_points").run()  # converged
    assert not [c.value for c in fit_page.caption if c.value.startswith("The tolerance")]
