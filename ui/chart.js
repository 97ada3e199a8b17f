// gdviz's animated chart: one plotly.js graph that lives across reruns.
//
// st.plotly_chart remounts its chart whenever the figure changes, so every learning-rate
// change redrew the whole graph from scratch (plus Plotly's SVG slider, ~50 ms alone).
// Here the same graph is updated in place: a new figure that only moves data on fixed
// axes is swapped in like an animation frame, anything else goes through Plotly.react.
// The figure's animation controls (Play/Pause, speed menu, epoch slider) are drawn as
// plain HTML that steps through its frames with Plotly.animate; step buttons and the arrow
// keys move one epoch. The epoch is the page's one epoch control: a line of worked numbers
// under the chart follows it, and other elements of the same group (a loss chart, a table
// of every epoch) follow it through "gdviz:frame" events. A click on the plot area can be
// sent back to Python (the page starts a run there), and so can "+" and "−" (the page moves
// its η one step); Space and the arrows work page-wide, outside fields and controls.
const PLOTLY_SRC = "__PLOTLY_SRC__";
const CONFIG = { displaylogo: false, responsive: true };
const STEP = { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate" };

// plotly.js never settles the promise of an animation that a later one interrupts (a step,
// a follower's epoch): a redraw waits for one only this long, then goes on.
const bounded = (promise, ms = 250) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);

// gdviz's own plotly.js, always: Streamlit's page may set a global Plotly of another version
// (for st.plotly_chart) before or after this loads, so the chart keeps the one it loaded.
const lib = () => window.__gdvizPlotlyLib;

function loadPlotly() {
  if (!window.__gdvizPlotly) {
    window.__gdvizPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = PLOTLY_SRC;
      script.onload = () => {
        window.__gdvizPlotlyLib = window.Plotly;
        if (window.Plotly) resolve(window.Plotly);
        else reject(new Error("plotly.js defined no Plotly"));
      };
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
      <button type="button" class="gdviz-step gdviz-back" aria-label="One epoch back"
              title="One epoch back (←)">◀</button>
      <button type="button" class="gdviz-play">▶ Play</button>
      <button type="button" class="gdviz-step gdviz-forward" aria-label="One epoch forward"
              title="One epoch forward (→)">▶</button>
      <select class="gdviz-speed" aria-label="Animation speed"></select>
      <output class="gdviz-label" aria-live="off"></output>
      <input type="range" class="gdviz-epoch" min="0" max="0" step="1" value="0"
             aria-label="Epoch">
    </div>
    <div class="gdviz-readout" aria-live="polite" hidden></div>
    <div class="gdviz-table" hidden></div>
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
    readout: q(".gdviz-readout"),
    tableBox: q(".gdviz-table"),
    lines: [],
    rows: [],
    group: null,
    follow: null,
    clickable: null,
    trigger: null,
    text: null,
    frames: [],
    labels: [],
    prefix: "",
    index: 0,
    token: 0,
    playing: false,
    timer: null,
    queue: Promise.resolve(),
    revision: 0,
  };
  root.__gdviz = state;
  state.button.addEventListener("click", () => (state.playing ? pause(state) : play(state)));
  state.range.addEventListener("input", () => {
    stop(state);
    show(state, Number(state.range.value));
  });
  state.range.addEventListener("change", () => report(state));
  q(".gdviz-back").addEventListener("click", () => step(state, -1));
  q(".gdviz-forward").addEventListener("click", () => step(state, 1));
  // Arrow keys step one epoch wherever the focus is in the chart (the range input steps
  // by itself); Space plays and pauses; + and − move the page's η. Outside the chart the
  // page-wide listener (pageKey) sends the same keys to the page's first chart.
  root.tabIndex = 0;
  root.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (event.target === state.range || tag === "SELECT") return;
    if (event.key === " " && tag === "BUTTON") return; // the button's own click
    if (!modified(event) && handleKey(state, event.key)) event.preventDefault();
  });
  if (!window.__gdvizKeys) {
    window.__gdvizKeys = true;
    document.addEventListener("keydown", pageKey);
  }
  state.gd.addEventListener("click", (event) => clicked(state, event));
  window.addEventListener("gdviz:frame", (event) => {
    const { group, epoch } = event.detail;
    if (state.follow && group === state.follow && state.text !== null && !state.rendering) {
      follow(state, epoch);
    }
  });
  let width = 0;
  new ResizeObserver(() => {
    // Plotly follows window resizes only; the sidebar also changes the width.
    const w = root.clientWidth;
    if (w && w !== width && state.text !== null && lib()) {
      width = w;
      const layout = state.gd.layout;
      if (layout?.meta?.aspect && state.maxHeight) {
        const fitted = { ...layout, height: state.maxHeight, margin: state.margin };
        fitAspect(state, fitted);
        lib().relayout(state.gd, { height: fitted.height, margin: fitted.margin });
        return;
      }
      lib().Plots.resize(state.gd);
    }
  }).observe(root);
  return state;
}

// What a key does to a chart: true if it did something.
function handleKey(state, key) {
  if (key === "ArrowRight" || key === "ArrowLeft") {
    if (state.frames.length < 2 || state.follow) return false;
    step(state, key === "ArrowRight" ? 1 : -1);
    return true;
  }
  if (key === " ") {
    if (state.frames.length < 2 || state.follow) return false;
    state.playing ? pause(state) : play(state);
    return true;
  }
  const lr = { "+": 1, "=": 1, "-": -1, "_": -1, "−": -1 }[key];
  if (lr && state.lr && state.trigger) {
    state.lrPresses = (state.lrPresses || 0) + 1; // each press its own event
    state.trigger("lr", { step: lr, press: state.lrPresses });
    return true;
  }
  return false;
}

const modified = (event) => event.ctrlKey || event.metaKey || event.altKey;
// Where keys belong to the focused element: typing, sliders, menus, buttons, tabs.
const TYPING = 'input:not([type="range"]):not([type="checkbox"]):not([type="radio"]), textarea, ' +
  '[contenteditable=""], [contenteditable="true"], [role="textbox"], [role="spinbutton"], ' +
  '[role="combobox"], [role="searchbox"]';
const CONTROL = `${TYPING}, input, select, button, a[href], [role="slider"], [role="listbox"], ` +
  '[role="option"], [role="tab"], [role="radio"], [role="checkbox"], [role="switch"], ' +
  '[role="menuitem"], [role="button"]';

// Keys pressed anywhere on the page (outside any chart, a field or a control) go to the
// page's first chart that plays (arrows, Space) or that moves η (+, −).
function pageKey(event) {
  if (event.defaultPrevented || modified(event)) return;
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest(".gdviz-chart")) return; // the chart's own listener has it
  const lr = ["+", "=", "-", "_", "−"].includes(event.key);
  if (target?.closest(lr ? TYPING : CONTROL)) return;
  const charts = [...document.querySelectorAll(".gdviz-chart")]
    .map((root) => root.__gdviz)
    .filter((state) => state && state.root.isConnected && !state.gd.hidden);
  const state = lr
    ? charts.find((s) => s.lr)
    : charts.find((s) => !s.follow && s.frames.length > 1);
  if (state && handleKey(state, event.key)) event.preventDefault();
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
  if (state.lines.length) state.readout.textContent = state.lines[Math.min(index, state.lines.length - 1)];
  const epoch = epochOf(state, index);
  highlight(state, epoch);
  mark(state);
  if (state.group) {
    (window.__gdvizGroups ??= {})[state.group] = epoch;
    window.dispatchEvent(new CustomEvent("gdviz:frame", { detail: { group: state.group, epoch } }));
  }
}

// Frames are named by their epoch (long runs show every k-th epoch); a table has a row
// per epoch.
function epochOf(state, index) {
  const label = Number(state.frames[index]?.name);
  return state.frames.length && Number.isFinite(label) ? label : index;
}

function frameOf(state, epoch) {
  let found = 0;
  state.frames.forEach((frame, i) => {
    if (Number(frame.name) <= epoch) found = i;
  });
  return found;
}

// The table's row for ``epoch`` marked and scrolled into its box (never the page).
function highlight(state, epoch) {
  if (!state.rows.length) return;
  const body = state.tableBox;
  const old = body.querySelector("tr.gdviz-current");
  if (old) old.classList.remove("gdviz-current");
  const row = state.rows[Math.min(epoch, state.rows.length - 1)];
  if (!row) return;
  row.classList.add("gdviz-current");
  const top = row.offsetTop - body.clientHeight / 2 + row.offsetHeight / 2;
  body.scrollTop = Math.max(0, top);
}

function step(state, delta) {
  const last = state.frames.length - 1;
  const index = Math.min(Math.max(state.index + delta, 0), Math.max(last, 0));
  stop(state);
  if (index !== state.index || delta === 0) show(state, index);
  report(state);
}

// A follower shows the leader's epoch (its own nearest frame, or its table's row).
function follow(state, epoch) {
  if (state.frames.length) show(state, frameOf(state, epoch));
  else place(state, Math.min(epoch, Math.max(state.rows.length - 1, 0)));
}

// A click on the plot area, in the axes' own units, sent back to Python.
function clicked(state, event) {
  if (!state.clickable || !state.trigger || !lib()) return;
  const full = state.gd._fullLayout;
  const xa = full?.xaxis;
  const ya = full?.yaxis;
  if (!xa || !ya) return;
  const box = state.gd.getBoundingClientRect();
  const px = event.clientX - box.left - xa._offset;
  const py = event.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return; // outside the axes
  state.trigger("clicked", { x: xa.p2l(px), y: ya.p2l(py), revision: state.revision });
}

function show(state, index) {
  place(state, index);
  const frame = state.frames[index];
  // A frame may carry layout too: the axis ranges of a view that zooms out with the run.
  const step = { data: frame.data, traces: frame.traces };
  if (frame.layout) step.layout = frame.layout;
  return lib().animate(state.gd, [step], STEP);
}

function play(state) {
  const last = state.frames.length - 1;
  if (last < 1) return;
  if (state.index >= last) show(state, 0); // at the end: play again from the start
  state.playing = true;
  const token = ++state.token; // a tick of an earlier Play never runs on
  state.button.textContent = "❚❚ Pause";
  mark(state);
  const tick = () => {
    if (!state.playing || token !== state.token) return;
    if (!state.root.isConnected || state.index >= state.frames.length - 1) return pause(state);
    const started = performance.now();
    bounded(show(state, state.index + 1), 1000).then(() => {
      if (!state.playing || token !== state.token) return;
      const wait = Number(state.speed.value) - (performance.now() - started);
      state.timer = setTimeout(tick, Math.max(0, wait));
    });
  };
  state.timer = setTimeout(tick, Number(state.speed.value));
}

// Stop playing, silently (a new figure is coming, or a step is being taken).
function stop(state) {
  state.playing = false;
  state.token += 1;
  clearTimeout(state.timer);
  state.button.textContent = "▶ Play";
  mark(state);
}

function pause(state) {
  stop(state);
  report(state);
}

// Python hears the epoch where the animation stopped (never while it plays: each report
// reruns the page).
function report(state) {
  if (!state.report || !state.setState || state.playing || !state.frames.length) return;
  const epoch = epochOf(state, state.index);
  if (epoch === state.reported) return;
  state.reported = epoch;
  state.setState("epoch", epoch);
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
    await bounded(lib().animate(state.gd, [{ data, traces: changed }], STEP));
  }
  if (Object.keys(moved).length) await lib().relayout(state.gd, moved);
  return true;
}

// A map keeps its aspect (layout.meta.aspect, width over height of the plot area): its
// height follows the chart's width, up to the height the figure asks for.
function fitAspect(state, layout) {
  const aspect = layout.meta?.aspect;
  const width = state.root.clientWidth;
  if (!aspect || !width || !layout.height || !layout.margin) return;
  state.maxHeight = layout.height;
  state.margin = layout.margin;
  const { t = 0, b = 0, l = 0, r = 0 } = layout.margin;
  const plot = Math.min(Math.max((width - l - r) / aspect, 220), layout.height - t - b);
  layout.height = Math.round(plot + t + b);
  // Narrower than the column (the height is capped): centred, its colour bar beside it.
  const spare = width - l - r - plot * aspect;
  if (spare > 2) layout.margin = { ...layout.margin, l: l + spare / 2, r: r + spare / 2 };
}

// A table of every epoch, built with text nodes only (cells are never parsed as HTML).
function drawTable(state, table) {
  state.rows = [];
  state.tableBox.replaceChildren();
  state.tableBox.hidden = !table;
  if (!table) return;
  const el = document.createElement("table");
  const head = el.createTHead().insertRow();
  for (const name of table.columns) {
    const th = document.createElement("th");
    th.textContent = name;
    head.appendChild(th);
  }
  const body = el.createTBody();
  for (const cells of table.rows) {
    const tr = body.insertRow();
    for (const cell of cells) tr.insertCell().textContent = cell;
    state.rows.push(tr);
  }
  state.tableBox.appendChild(el);
}

async function render(state, text) {
  if (text === state.text) return; // the same figure: leave the animation where it is
  const payload = JSON.parse(text);
  // A payload is a figure, or {figure, readout, table, group, follow, clickable}.
  const extras = payload.figure !== undefined || payload.table !== undefined ? payload : { figure: payload };
  state.group = extras.group ?? null;
  state.follow = extras.follow ?? null;
  state.clickable = Boolean(extras.clickable);
  state.report = Boolean(extras.report);
  state.lr = Boolean(extras.lr);
  state.root.dataset.lr = String(state.lr);
  state.lines = extras.readout ?? [];
  state.readout.hidden = !state.lines.length;
  state.root.classList.toggle("gdviz-clickable", state.clickable);
  const wasPlaying = state.playing;
  const kept = state.text === null || !state.frames.length ? null : epochOf(state, state.index);
  stop(state);
  if (!extras.figure) {
    // A table alone: it follows its group's epoch.
    state.gd.hidden = true;
    state.frames = [];
    drawTable(state, extras.table);
    state.text = text;
    state.error.hidden = true;
    follow(state, window.__gdvizGroups?.[state.follow] ?? 0);
    return;
  }
  const Plotly = await loadPlotly();
  const fig = extras.figure;
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
  fitAspect(state, layout);
  const frames = fig.frames || [];
  const speeds = (speedMenu?.buttons || []).map((b) => [b.label, b.args[1].frame.duration]);
  if (!speeds.length) speeds.push(["speed 1×", playMenu?.buttons?.[0]?.args?.[1]?.frame?.duration ?? 100]);
  const active = speedMenu?.active ?? 0;
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
  // Read now, not before drawing: a person may have changed the speed or pressed Play
  // while the new figure was being drawn.
  const chosen = state.speed.selectedIndex >= 0 ? state.speed.selectedIndex : active;
  const resume = wasPlaying || state.playing;
  stop(state);
  state.speed.replaceChildren(...speeds.map(([label, ms]) => new Option(label, String(ms))));
  state.speed.selectedIndex = Math.min(chosen, speeds.length - 1);
  state.error.hidden = true;
  const n = frames.length;
  state.controls.hidden = n < 2 || Boolean(state.follow);
  state.range.max = String(Math.max(n - 1, 0));
  drawTable(state, extras.table);
  state.revision += 1;
  state.root.dataset.revision = String(state.revision);
  state.root.dataset.update = moved ? "moved" : "redrawn";
  // A new run keeps the epoch on screen (clamped), and keeps playing if it was: a teacher
  // can drag η during Play and watch the path change. A follower takes its group's epoch.
  const epoch = state.follow ? window.__gdvizGroups?.[state.follow] ?? 0 : kept;
  const wanted = epoch === null ? null : frameOf(state, epoch);
  const index = Math.min(wanted ?? slider?.active ?? 0, Math.max(n - 1, 0));
  // Not awaited: an animation that a later one interrupts may never settle.
  if (index > 0) show(state, index);
  else place(state, index);
  if (resume && index < n - 1) play(state);
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
  state.trigger = component.setTriggerValue;
  state.setState = component.setStateValue;
  const text = typeof data === "string" ? data : JSON.stringify(data);
  // Marked until drawn, so tests (and people reading the DOM) can tell an update is coming.
  if (text !== state.text) state.root.dataset.pending = "true";
  // Renders run one after another, so a fast second rerun never interleaves with the first.
  state.queue = state.queue
    .then(() => {
      state.rendering = true;
      return render(state, text);
    })
    .catch((error) => {
      state.error.textContent = `The chart could not be drawn: ${error.message}`;
      state.error.hidden = false;
    })
    .finally(() => {
      state.rendering = false;
      if (state.text === text || !state.error.hidden) delete state.root.dataset.pending;
    });
}
