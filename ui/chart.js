// gdviz's animated chart: one plotly.js graph that lives across reruns.
//
// st.plotly_chart remounts its chart whenever the figure changes, so every learning-rate
// change redrew the whole graph from scratch (plus Plotly's SVG slider, ~50 ms alone).
// Here the same graph is updated in place with Plotly.react, and the figure's animation
// controls (Play/Pause, speed menu, epoch slider) are drawn as plain HTML that steps
// through the figure's frames with Plotly.animate.
const PLOTLY_SRC = "__PLOTLY_SRC__";
const CONFIG = { displaylogo: false, responsive: true };
const STEP = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate" };
// Plotly's controls sit under the x axis; drawn in HTML they no longer need that room.
const CONTROLS_ROOM = 70;

function loadPlotly() {
  if (!window.__gdvizPlotly) {
    window.__gdvizPlotly = new Promise((resolve, reject) => {
      if (window.Plotly) return resolve(window.Plotly);
      const script = document.createElement("script");
      script.src = PLOTLY_SRC;
      script.onload = () =>
        window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js defined no Plotly"));
      script.onerror = () => {
        window.__gdvizPlotly = null; // let a later rerun try again
        reject(new Error(`could not load ${PLOTLY_SRC}`));
      };
      document.head.appendChild(script);
    });
  }
  return window.__gdvizPlotly;
}

function build(parent) {
  const root = document.createElement("div");
  root.className = "gdviz-chart";
  root.innerHTML = `
    <div class="gdviz-plot"></div>
    <div class="gdviz-controls" hidden>
      <button type="button" class="gdviz-play">▶ Play</button>
      <select class="gdviz-speed" aria-label="Animation speed"></select>
      <output class="gdviz-label" aria-live="off"></output>
      <input type="range" class="gdviz-epoch" min="0" max="0" step="1" value="0"
             aria-label="Epoch">
    </div>
    <div class="gdviz-error" role="alert" hidden></div>`;
  parent.appendChild(root);
  const q = (sel) => root.querySelector(sel);
  const state = {
    root,
    gd: q(".gdviz-plot"),
    controls: q(".gdviz-controls"),
    button: q(".gdviz-play"),
    speed: q(".gdviz-speed"),
    label: q(".gdviz-label"),
    range: q(".gdviz-epoch"),
    error: q(".gdviz-error"),
    text: null,
    frames: [],
    labels: [],
    prefix: "",
    index: 0,
    playing: false,
    timer: null,
    queue: Promise.resolve(),
    revision: 0,
  };
  root.__gdviz = state;
  state.button.addEventListener("click", () => (state.playing ? pause(state) : play(state)));
  state.range.addEventListener("input", () => {
    pause(state);
    show(state, Number(state.range.value));
  });
  let width = 0;
  new ResizeObserver(() => {
    // Plotly follows window resizes only; the sidebar also changes the width.
    const w = root.clientWidth;
    if (w && w !== width && state.text !== null && window.Plotly) {
      width = w;
      window.Plotly.Plots.resize(state.gd);
    }
  }).observe(root);
  return state;
}

function mark(state) {
  state.root.dataset.frame = String(state.index);
  state.root.dataset.frames = String(state.frames.length);
  state.root.dataset.playing = String(state.playing);
}

// Point the controls at frame ``index`` (the graph itself is not touched).
function place(state, index) {
  state.index = index;
  state.range.value = String(index);
  state.label.textContent = state.labels.length ? state.prefix + state.labels[index] : "";
  mark(state);
}

function show(state, index) {
  place(state, index);
  const frame = state.frames[index];
  return window.Plotly.animate(state.gd, [{ data: frame.data, traces: frame.traces }], STEP);
}

function play(state) {
  const last = state.frames.length - 1;
  if (last < 1) return;
  if (state.index >= last) show(state, 0); // at the end: play again from the start
  state.playing = true;
  state.button.textContent = "❚❚ Pause";
  mark(state);
  const tick = () => {
    if (!state.playing) return;
    if (!state.root.isConnected || state.index >= last) return pause(state);
    const started = performance.now();
    show(state, state.index + 1).then(() => {
      if (!state.playing) return;
      const wait = Number(state.speed.value) - (performance.now() - started);
      state.timer = setTimeout(tick, Math.max(0, wait));
    });
  };
  state.timer = setTimeout(tick, Number(state.speed.value));
}

function pause(state) {
  state.playing = false;
  clearTimeout(state.timer);
  state.button.textContent = "▶ Play";
  mark(state);
}

async function render(state, text) {
  if (text === state.text) return; // the same figure: leave the animation where it is
  const Plotly = await loadPlotly();
  const fig = JSON.parse(text);
  pause(state);
  const layout = { ...fig.layout };
  const slider = (layout.sliders || [])[0];
  const menus = layout.updatemenus || [];
  delete layout.sliders;
  delete layout.updatemenus;
  if (slider && layout.margin && layout.height) {
    const cut = Math.max(0, Math.min(CONTROLS_ROOM, (layout.margin.b || 0) - 50));
    layout.margin = { ...layout.margin, b: layout.margin.b - cut };
    layout.height -= cut;
  }
  state.frames = fig.frames || [];
  state.labels = slider ? slider.steps.map((s) => s.label) : state.frames.map((f) => f.name);
  state.prefix = slider?.currentvalue?.prefix ?? "";
  const speeds = (menus[1]?.buttons || []).map((b) => [b.label, b.args[1].frame.duration]);
  if (!speeds.length) speeds.push(["speed 1×", menus[0]?.buttons?.[0]?.args?.[1]?.frame?.duration ?? 100]);
  const active = menus[1]?.active ?? 0;
  const chosen = state.speed.selectedIndex >= 0 ? state.speed.selectedIndex : active;
  state.speed.replaceChildren(
    ...speeds.map(([label, ms]) => new Option(label, String(ms))),
  );
  state.speed.selectedIndex = Math.min(chosen, speeds.length - 1);

  await Plotly.react(state.gd, fig.data, layout, { ...CONFIG, ...(fig.config || {}) });
  state.text = text;
  state.error.hidden = true;
  const n = state.frames.length;
  state.controls.hidden = n < 2;
  state.range.max = String(Math.max(n - 1, 0));
  state.revision += 1;
  state.root.dataset.revision = String(state.revision);
  place(state, Math.min(slider?.active ?? 0, Math.max(n - 1, 0)));
}

export default function (component) {
  const { data, parentElement } = component;
  const state = parentElement.querySelector(".gdviz-chart")?.__gdviz ?? build(parentElement);
  const text = typeof data === "string" ? data : JSON.stringify(data);
  // Marked until drawn, so tests (and people reading the DOM) can tell an update is coming.
  if (text !== state.text) state.root.dataset.pending = "true";
  // Renders run one after another, so a fast second rerun never interleaves with the first.
  state.queue = state.queue
    .then(() => render(state, text))
    .catch((error) => {
      state.error.textContent = `The chart could not be drawn: ${error.message}`;
      state.error.hidden = false;
    })
    .finally(() => {
      if (state.text === text || !state.error.hidden) delete state.root.dataset.pending;
    });
}
