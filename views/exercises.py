"""Classic exercises: the ones most courses set, each with a prediction before its answer."""

import streamlit as st

from gdviz import get_dataset
from gdviz.exercises import (
    CLASSIC_EPOCHS,
    CLASSIC_HIGH,
    CLASSIC_LR,
    EXERCISES,
    FORGOTTEN_LOOP_CODE,
    LOOP_CODE,
    MATRIX_CHOICES,
    MATRIX_TARGET,
    PRINTED_CHOICES,
    SIGN_FLIP_CHOICES,
    ZERO_GRAD_CHOICES,
    matrix_exercise_start,
    matrix_outcome,
)
from gdviz.numbers import plain
from ui import controls, links
from ui.charts import animated_chart, plotly_chart
from ui.compute import (
    classic_chart,
    classic_runs,
    classic_words,
    matrix_chart,
    matrix_exercise,
    small_facts,
    zero_grad_chart,
    zero_grad_pair,
    zero_grad_played,
    zero_grad_words,
)
from ui.exercises import SEEDS, classic_program, descent_link, excerpt, marked_code, new_seed
from ui.guard import guarded
from ui.links import ANSWERS
from ui.predict import predict, reveal

P = "exercise_"
#: The zero_grad() exercise's run: x² + 5 from p = 3, plain SGD with η = 0.1, 30 epochs.
ZERO_GRAD = ("parabola", (3.0,), 0.1, 30)
#: A secant's slope counts as right within this fraction of it: 2 % takes 2.1 ± 0.042 and
#: leaves out the derivative 2 itself (5 % would count it right).
SECANT_TOLERANCE = 0.02
ANSWER_WORDS = {"shown": "a student may look without predicting",
                "hidden": "only after a prediction"}  # fmt: skip


def _say(value) -> str:
    return plain(float(value)).replace("-", "−")


def _whole(value) -> str:
    """A whole number as the program holds it: 17014, 72369054."""
    return f"{float(value):.10g}".replace("-", "−")


def _reroll() -> None:
    st.session_state[P + "seed"] = new_seed(st.session_state.get(P + "seed", 0))


state = st.session_state
links.restore("exercises")  # a shared link's settings, on this session's first run of the page
links.hide_layout()
if state.get("exercise") not in EXERCISES:
    state["exercise"] = "classic_loop"
# Kept while another exercise is shown (a widget not drawn in a run loses its state).
state[P + "seed"] = state.get(P + "seed", 0)
if state.get(P + "answer") not in ANSWERS:
    state[P + "answer"] = "shown"
with st.sidebar:
    st.header("Exercise")
    slug = links.control(
        st.selectbox, "Exercise", list(EXERCISES), key="exercise", format_func=EXERCISES.get,
    )  # fmt: skip
    if slug == "classic_loop":
        links.control(
            st.number_input, "Seed of the start x₀", min_value=0, max_value=SEEDS, step=1,
            key=P + "seed",
            help=f"The classic start is a random whole number from 0 to {CLASSIC_HIGH}: this seed "
            "draws it, so the same seed gives the same start (🎲 New start draws another).",
        )  # fmt: skip
    with controls.advanced_box():
        links.control(
            st.radio, "Answers", ANSWERS, key=P + "answer", format_func=ANSWER_WORDS.get,
            help="For a class: with “only after a prediction” the “Show me without "
            "predicting” buttons are gone. Lock it in the link with lock=answer.",
        )  # fmt: skip
    links.copy_link("exercises")
links.publish("exercises")
hide = state[P + "answer"] == "hidden"

st.title("Classic exercises")
links.show_notes("exercises")
st.markdown(
    "The exercises most courses on gradient descent set, each with the slip that usually "
    "comes with it. Every number on this page is computed from a run. **Predict first**: "
    "commit to an answer, then see what the run does. Choose the exercise in the sidebar."
)


def _classic_loop() -> None:
    seed = int(state[P + "seed"])
    start, _, _ = classic_runs(seed)
    words = classic_words(seed)
    st.header("The classic loop: f(x) = x² + 5")
    st.markdown(
        f"Minimize f(x) = x² + 5 by gradient descent from a random whole start x₀ between 0 "
        f"and {CLASSIC_HIGH}, with the learning rate η = {CLASSIC_LR:g}, for {CLASSIC_EPOCHS} "
        "epochs. Its slope is f′(x) = 2x, so each step is x ← x − η · 2x. This is the "
        "program most courses give:"
    )
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"This start: **x₀ = {start}** (seed {seed}).")
    if links.visible(P + "seed"):
        right.button("🎲 New start", key=P + "reroll", on_click=_reroll, width="stretch",
                     disabled=links.locked(P + "seed"),
                     help="Draw another random start x₀.")  # fmt: skip
    st.code(classic_program(start), language="python", wrap_lines=True)
    first = classic_runs(seed)[1].rows[0]
    values = {"x": first.x, "gradient": first.gradient, "cost": first.cost}
    names = {"x": "x₀ itself", "gradient": "2·x₀, the gradient f′(x₀)",
             "cost": "f(x₀), the cost"}  # fmt: skip
    said = predict(
        "classic_print",
        "The program prints `x = …` every epoch. At epoch 0, what does it print after "
        "`x =`?",
        "choice", PRINTED_CHOICES, hide_answer=hide,
        format_func=lambda c: f"{_whole(values[c])}: {names[c]}",
    )  # fmt: skip
    if said is None:
        return
    reveal(said, said.value in words["printed"], words["slip"])
    shown_lines = len(words["printout"])
    classic, corrected = st.columns(2)
    with classic:
        st.markdown("**The program's printout**: the gradient labelled “x”")
        st.code(excerpt(words["printout"]), language=None, wrap_lines=True)
    with corrected:
        st.markdown("**Corrected**: x and the gradient f′(x) each under its own name")
        st.code(excerpt(words["corrected"]), language=None, wrap_lines=True)
    with st.expander(f"All {shown_lines} lines of both printouts"):
        st.code("\n".join(words["printout"]), language=None)
        st.code("\n".join(words["corrected"]), language=None)
    st.markdown(
        f"[Open this on the descent page]({descent_link(start)}) (a new tab): the same "
        f"f(x) = x² + 5 from x₀ = {start} with η = {CLASSIC_LR:g} for {CLASSIC_EPOCHS} "
        "epochs, with its chart, its table of every epoch and its status."
    )

    st.subheader("Then try: replace the subtraction with an addition")
    outcomes = {"faster": "it falls to 0 faster", "climbs": "it climbs",
                "stays": "it stays where it is"}  # fmt: skip
    flip = predict(
        "classic_sign",
        "Change the update to x ← x + η · f′(x). What happens to x?",
        "choice", SIGN_FLIP_CHOICES, format_func=outcomes.get, hide_answer=hide,
    )  # fmt: skip
    if flip is None:
        return
    reveal(flip, flip.value == words["flip"], words["flip_sentence"])
    with guarded("the chart of both signs"):
        plotly_chart(classic_chart(seed), key=P + "classic_chart")
    st.caption(
        "The vertical axis is logarithmic (each step multiplies x by the same number, so "
        "both runs are straight lines)."
    )


def _latex_row(values) -> str:
    return r"\begin{pmatrix}" + " & ".join(f"{v:g}" for v in values) + r"\end{pmatrix}"


def _matrix_loss() -> None:
    comparison = matrix_exercise()
    update, prediction, right, curvature, sentences = comparison
    data = matrix_exercise_start()
    start = update.losses[0]
    st.header(f"Minimize the loss below {MATRIX_TARGET:.2f}: a 4×4 weight matrix")
    st.markdown(
        "One input a, its target t, and a 4×4 weight matrix W. The prediction is the row "
        "vector a times W, four outputs y = a W, and the loss is their mean squared error "
        f"L(W) = ¼ Σⱼ (yⱼ − tⱼ)². The exercise: get L(W) below {MATRIX_TARGET:.2f}."
    )
    st.latex(rf"a = {_latex_row(data.a)}, \quad t = {_latex_row(data.t)}")
    rows = r" \\ ".join(" & ".join(f"{v:g}" for v in row) for row in data.W)
    st.latex(rf"W = \begin{{pmatrix}} {rows} \end{{pmatrix}}, \quad L(W) = {_say(start)}")
    st.markdown("Its update, run every epoch, adds one averaged number to every weight:")
    st.code(update.rule, language="python")
    choices = {"below": f"it falls below {MATRIX_TARGET:.2f}", "rises": "it rises",
               "stays": f"it stays at {_say(start)}"}  # fmt: skip
    said = predict(
        "matrix",
        f"The exercise adds {update.lr:g} × (one averaged gradient number) to every weight, "
        f"for {update.epochs} epochs. What happens to the loss?",
        "choice", MATRIX_CHOICES, format_func=choices.get, hide_answer=hide,
    )  # fmt: skip
    if said is None:
        return
    reveal(said, said.value == matrix_outcome(update), sentences[0])
    st.subheader("Three runs, epoch by epoch")
    with guarded("the three runs' losses"):
        animated_chart(matrix_chart(), key=P + "matrix_chart")
    st.caption(
        "Press ▶ Play to draw the runs epoch by epoch. The vertical axis is logarithmic, "
        "so the loss falling toward 0 keeps showing, decade after decade."
    )
    for sentence in sentences[1:]:
        st.markdown(f"- {sentence}")
    one, two, three = st.columns(3)
    one.metric("η of the right update", f"{right.lr:g}")
    two.metric("λ_max of the loss's Hessian ∇²L", _say(curvature.lam_max),
               help="The largest eigenvalue of the matrix of second derivatives of L over "
               "the 16 weights: the steepest curvature. L is quadratic, so it is the same "
               "for every W.")  # fmt: skip
    three.metric("Stable limit 2/λ_max", _say(curvature.gd_limit),
                 help=f"Plain gradient descent settles for η below 2/λ_max; below 1/λ_max "
                 f"= {_say(curvature.one_step)} it never overshoots.")  # fmt: skip
    st.markdown("The right update steps every weight against its own partial derivative:")
    st.code(f"y = a @ W\n{right.rule}", language="python")


def _values(step) -> str:
    grad = "None" if step.grad is None else _say(step.grad[0])
    loss = "None" if step.loss is None else _say(step.loss)
    return f"p = {_say(step.p[0])}, p.grad = {grad}, loss = {loss}"


def _zero_grad() -> None:
    slug, start, lr, epochs = ZERO_GRAD
    st.header("zero_grad(): PyTorch's loop, line by line")
    st.markdown(
        "PyTorch runs four lines per epoch. `optimizer.zero_grad()` clears p.grad, "
        "`loss.backward()` adds the new gradient ∇f(p) to p.grad, and `optimizer.step()` "
        "reads p.grad: p ← p − η · p.grad. Here on f(x) = x² + 5, from p = "
        f"{start[0]:g} with η = {lr:g} for {epochs} epochs (plain SGD)."
    )
    normal_code, forgotten_code = st.columns(2)
    normal_code.markdown("**The loop**")
    normal_code.code("\n".join(LOOP_CODE), language="python")
    forgotten_code.markdown("**zero_grad() forgotten**")
    forgotten_code.code("\n".join(FORGOTTEN_LOOP_CODE), language="python")
    outcomes = {"same": "the same as with zero_grad()",
                "overshoots": "it overshoots the minimum and swings back and forth",
                "stops": "it stops short of the minimum"}  # fmt: skip
    said = predict(
        "zero_grad", "Forget `zero_grad()`: what does the run do?", "choice",
        ZERO_GRAD_CHOICES, format_func=outcomes.get, hide_answer=hide,
    )  # fmt: skip
    if said is None:
        return
    words = zero_grad_words(slug, start, lr, epochs)
    reveal(said, said.value == words["outcome"], words["sentence"])
    normal, forgotten = zero_grad_pair(slug, start, lr, epochs)
    with st.container(key="zero_grad_played"), guarded("the two runs"):
        figure, lines = zero_grad_played(slug, start, lr, epochs)
        animated_chart(figure, key=P + "zero_grad_played", readout=lines)
        st.caption("Press ▶ Play: the loop runs line by line, the line that just ran marked ▶, "
                   "with p, p.grad and loss in both runs; each point moves when its "
                   "optimizer.step() runs.")  # fmt: skip
    steps = list(zip(normal.substeps, forgotten.substeps, strict=False))
    picked = state.get(P + "substep", 0)
    picked = picked if isinstance(picked, int) and 0 <= picked < len(steps) else 0
    now, _ = steps[picked]
    shown_epoch = now.epoch + 1 if now.line == 3 else now.epoch  # step() made p_(k+1)
    side_by_side = st.expander("Both loops side by side, one line at a time")
    with side_by_side, guarded("the two runs"):
        plotly_chart(zero_grad_chart(slug, start, lr, epochs, shown_epoch),
                     key=P + "zero_grad_chart")  # fmt: skip
    side_by_side.select_slider(
        "Line by line: the line that just ran", options=range(len(steps)), key=P + "substep",
        format_func=lambda i: f"epoch {steps[i][0].epoch}, line {steps[i][0].line + 1}",
        help="Each epoch runs the loop's four lines; the big dots on the chart are p now.",
    )  # fmt: skip
    for column, run, step, name in zip(
        side_by_side.columns(2), (normal, forgotten), steps[picked],
        ("With zero_grad()", "zero_grad() forgotten"), strict=True,
    ):  # fmt: skip
        with column:
            st.markdown(f"**{name}**, epoch {step.epoch}")
            st.code(marked_code(run.code, step.line), language="python")
            st.markdown(_values(step))
    with st.expander("The forgotten run as a PyTorch script"):
        st.code(words["code"], language="python")


def _small_facts() -> None:
    signs, secant, counting = small_facts()
    st.header("Small facts")

    st.subheader("Which way should w move?")
    data = get_dataset("three_points")
    points = [f"({x:g}, {y:g})" for x, y in zip(data.x, data.y, strict=True)]
    st.markdown(
        f"Fit y = w·x to the points {', '.join(points[:-1])} and {points[-1]} with the mean "
        f"squared error L(w) = (1/{len(points)}) Σᵢ (w·xᵢ − yᵢ)². Gradient descent moves w "
        "against the sign of dL/dw."
    )
    low, high = signs
    word = {1: "increase", -1: "decrease", 0: "keep"}
    pairs = [(a, b) for a in (1, -1) for b in (1, -1)]
    said = predict(
        "facts_sign",
        f"At w = {_say(low.w)} and at w = {_say(high.w)}: increase w or decrease it?",
        "choice", pairs, hide_answer=hide,
        format_func=lambda p: f"{word[p[0]]} w at w = {_say(low.w)}, "
        f"{word[p[1]]} it at w = {_say(high.w)}",
    )  # fmt: skip
    if said is not None:
        right = said.value == (low.direction, high.direction)
        reveal(said, right, f"{low.sentence} {high.sentence}")

    st.subheader("A secant's slope")
    st.markdown(
        "The slope between two points of a curve is rise over run, Δy/Δx: the secant through "
        "them. The derivative is where it tends as the second point slides in."
    )
    end = secant.x + secant.dx
    said = predict(
        "facts_secant",
        f"What is the slope of x² between x = {_say(secant.x)} and x = {_say(end)}?",
        "number", hide_answer=hide,
    )  # fmt: skip
    if said is not None:
        near = not said.skipped and abs(said.value - secant.slope) <= SECANT_TOLERANCE * abs(
            secant.slope
        )
        reveal(said, near, f"{secant.sentence} (Counted right within "
               f"{SECANT_TOLERANCE:.0%} of {_say(secant.slope)}.)")  # fmt: skip

    st.subheader("What trying costs")
    st.markdown(
        "Without a formula for the gradient, it can be found by trying: finite differences "
        "move each parameter a little up and a little down and evaluate f each time. "
        "Searching by switching parameters on or off instead tries every combination."
    )
    n = counting.n
    names = (f"evaluations of f for one gradient of {n} parameters", "on/off combinations")
    said = predict(
        "facts_count",
        f"With n = {n} parameters: how many evaluations of f does one gradient by finite "
        f"differences take, and how many on/off combinations do the {n} parameters have?",
        "point", names=names, hide_answer=hide,
    )  # fmt: skip
    if said is not None:
        truth = (counting.finite_difference_evals, counting.combinations)
        good = [not said.skipped and said.value[i] == truth[i] for i in range(2)]
        verdict = ""
        if not said.skipped and any(good) and not all(good):
            verdict = (" You had the evaluations right, not the combinations." if good[0]
                       else " You had the combinations right, not the evaluations.")  # fmt: skip
        reveal(said, all(good), " ".join(counting.sentences) + verdict)


{
    "classic_loop": _classic_loop,
    "matrix_loss": _matrix_loss,
    "zero_grad": _zero_grad,
    "small_facts": _small_facts,
}[slug]()
