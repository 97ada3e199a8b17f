// gdviz's animated chart: one plotly.js graph that lives across reruns.
//
// st.plotly_chart remounts its chart whenever the figure changes, so every learning-rate
// change redrew the whole graph from scratch (plus Plotly's SVG slider, ~50 ms alone).
// Here the same graph is updated in place: a new figure that only moves data on fixed
// axes is swapped in like an animation frame, anything else goes through Plotly.react.
// The figure's animation controls (Play/Pause, speed menu, epoch slider) are drawn as
// plain HTML that steps through its frames with Plotly.animate.
const PLOTLY_SRC = "__PLOTLY_SRC__";
const CONFIG = { displaylogo: false, responsive: true };
const STEP = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate" };

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
  // A frame may carry layout too: the axis ranges of a view that zooms out with the run.
  const step = { data: frame.data, traces: frame.traces };
  if (frame.layout) step.layout = frame.layout;
  return window.Plotly.animate(state.gd, [step], STEP);
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

// A trace's JSON without its data arrays, or a layout's without its view (the cartesian
// axes and the images): when these match between the shown figure and a new one, the new
// one only moves data and changes the view.
const DATA_KEYS = new Set(["x", "y", "customdata", "text", "hovertext"]);
const isView = (key) => key === "images" || /^[xy]axis\d*$/.test(key);
const shape = (value) => JSON.stringify(value, (key, v) => (DATA_KEYS.has(key) ? undefined : v));
const layoutShape = (layout) =>
  JSON.stringify(Object.fromEntries(Object.entries(layout).filter(([key]) => !isView(key))));

// The view of a figure whose traces are all 2-D scatters on axes with fixed ranges (each
// axis, and the images, as JSON), or null. Moving data does not autorange an axis again,
// so only fixed axes can take the fast path.
function fixedView(data, layout) {
  const view = {};
  for (const trace of data) {
    if ((trace.type || "scatter") !== "scatter") return null;
    for (const axis of [trace.xaxis || "x", trace.yaxis || "y"]) {
      const key = `${axis[0]}axis${axis.slice(1)}`;
      if (!Array.isArray(layout[key]?.range) || layout[key].autorange === true) return null;
    }
  }
  for (const [key, value] of Object.entries(layout)) {
    if (isView(key)) view[key] = JSON.stringify(value);
  }
  view.images ??= "null";
  return view;
}

// Move the shown graph to the new figure without a full redraw, when only data and the
// view (axes, images) differ: the changed traces (and those the old frames had moved) are
// swapped in with Plotly.animate, as a frame is, and a changed view goes through
// Plotly.relayout. Plotly.react would recompute and redraw every trace and axis
// (~2x the time on the descent figures, see bench/settle.py).
async function update(state, fig, next) {
  const shown = state.shown;
  if (!shown?.view || !next.view) return false;
  if (shown.config !== next.config || shown.layout !== next.layout) return false;
  if (shown.traces.length !== next.traces.length) return false;
  const keys = Object.keys(next.view);
  if (keys.length !== Object.keys(shown.view).length || keys.some((k) => !(k in shown.view))) {
    return false;
  }
  const changed = [];
  for (let i = 0; i < next.traces.length; i++) {
    if (next.traces[i] === shown.traces[i] && !shown.moving.has(i)) continue;
    if (next.shapes[i] !== shown.shapes[i]) return false;
    changed.push(i);
  }
  // A frame may have zoomed the axes: then the new figure's axes all go back in.
  const moved = {};
  for (const [key, value] of Object.entries(next.view)) {
    if (value !== shown.view[key] || (state.zoomed && key !== "images")) {
      moved[key] = JSON.parse(value);
    }
  }
  if (changed.length) {
    const data = changed.map((i) => fig.data[i]);
    await window.Plotly.animate(state.gd, [{ data, traces: changed }], STEP);
  }
  if (Object.keys(moved).length) await window.Plotly.relayout(state.gd, moved);
  return true;
}

async function render(state, text) {
  if (text === state.text) return; // the same figure: leave the animation where it is
  const Plotly = await loadPlotly();
  const fig = JSON.parse(text);
  pause(state);
  // The figure names its controls ("play", "speed", "epoch") and states the room they take
  // under the plot (layout.meta.controls.room): drawn in HTML, they give that room back.
  const layout = { ...fig.layout };
  const named = (items, name) => (items || []).find((item) => item.name === name);
  const slider = named(layout.sliders, "epoch");
  const playMenu = named(layout.updatemenus, "play");
  const speedMenu = named(layout.updatemenus, "speed");
  const room = layout.meta?.controls?.room ?? 0;
  delete layout.sliders;
  delete layout.updatemenus;
  if (slider && room && layout.margin && layout.height) {
    layout.margin = { ...layout.margin, b: layout.margin.b - room };
    layout.height -= room;
  }
  const frames = fig.frames || [];
  const speeds = (speedMenu?.buttons || []).map((b) => [b.label, b.args[1].frame.duration]);
  if (!speeds.length) speeds.push(["speed 1×", playMenu?.buttons?.[0]?.args?.[1]?.frame?.duration ?? 100]);
  const active = speedMenu?.active ?? 0;
  const chosen = state.speed.selectedIndex >= 0 ? state.speed.selectedIndex : active;
  const config = { ...CONFIG, ...(fig.config || {}) };

  // Taken before drawing: plotly.js writes into the objects it is given.
  const next = {
    traces: fig.data.map((trace) => JSON.stringify(trace)),
    shapes: fig.data.map(shape),
    layout: layoutShape(layout),
    view: fixedView(fig.data, layout),
    config: JSON.stringify(config),
    moving: new Set(frames.flatMap((f) => f.traces || [])),
  };
  const moved = await update(state, fig, next);
  if (!moved) await Plotly.react(state.gd, fig.data, layout, config);
  state.shown = next;
  state.text = text;
  state.frames = frames;
  state.zoomed = frames.some((frame) => frame.layout);
  state.labels = slider ? slider.steps.map((s) => s.label) : frames.map((f) => f.name);
  state.prefix = slider?.currentvalue?.prefix ?? "";
  state.speed.replaceChildren(...speeds.map(([label, ms]) => new Option(label, String(ms))));
  state.speed.selectedIndex = Math.min(chosen, speeds.length - 1);
  state.error.hidden = true;
  const n = frames.length;
  state.controls.hidden = n < 2;
  state.range.max = String(Math.max(n - 1, 0));
  state.revision += 1;
  state.root.dataset.revision = String(state.revision);
  state.root.dataset.update = moved ? "moved" : "redrawn";
  place(state, Math.min(slider?.active ?? 0, Math.max(n - 1, 0)));
}

export default function (component) {
  const { data, parentElement } = component;
  // Mounted without a figure (ui.charts.preload_plotly): only start loading plotly.js, so
  // that it downloads and compiles while the page's script computes the first figure.
  if (data === null || data === undefined) {
    loadPlotly().catch(() => {});
    return;
  }
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
