"""The "Fit a model" page through AppTest."""

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
