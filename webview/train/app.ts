// The Train panel's webview: the snippet list, each snippet's settings block, Run/Cancel, live d3 charts (loss per
// step, accuracy per epoch, step time), progress with ETA, the results table (copy as Markdown), chart export, the
// runs kept in the workspace; and the runtime the host's job drives (the training step on onnxruntime-web, WebGPU or
// wasm as Classify's probe finds, in a worker of the panel's own: trainingWorker.ts, worker.ts, runtime.ts).
import * as d3 from 'd3';
import type {
  ArmResult, BackendFound, EpochMetric, Metric, RunSummary, SnippetId, SnippetView, StepMetric, TrainFromWebview, TrainStrings,
  TrainToWebview, TrainViewState,
} from '../../src/shared/trainProtocol';
import type { TrainingStep } from '../../src/core/training/types';
import { CancelledError, Endpoint, type MessageHandlers } from '../../src/shared/messages';
import { errorReporter, reportUncaught } from '../ui/errors';
import { adapterName } from '../ui/format';
import { pngBase64, svgMarkup } from '../graph/export';
import type { TrainingSession } from './session';
import { type EvalSession, TrainingWorker } from './trainingWorker';

interface VsCodeApi {
  postMessage(m: TrainFromWebview): void;
  getState(): TrainViewState | undefined;
  setState(s: TrainViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: TrainFromWebview) => vscode.postMessage(m);
const report = errorReporter<string>((r) => post(r));
reportUncaught(report);

type Init = Extract<TrainToWebview, { type: 'init' }>;

let init: Init | null = null;
let S: TrainStrings = {};
const fmt = (key: string, ...args: Array<string | number>) => (S[key] ?? key).replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] === undefined ? m : String(args[Number(i)])));
let snippets: SnippetView[] = [];
let runs: RunSummary[] = [];
let selected: SnippetId = 'finetune';
/** The run on screen (live or reopened) and its metrics. */
let shown: { run: RunSummary; metrics: Metric[]; live: boolean; started: number } | null = null;
let found: BackendFound | null = null;
let statusText: string | null = null;
let failure: string | null = null;
const edited = new Map<SnippetId, string>();

// ------------------------------------------------------------------ runtime (driven by the host's job)

let runtime: TrainingWorker | null = null;
let train: TrainingSession | null = null;
let evalSession: EvalSession | null = null;

const settingFor = (kind: 'webgpu' | 'wasm' | null) => kind ?? init!.backendSetting;
const allowFallback = (kind: 'webgpu' | 'wasm' | null) => init!.allowFallbackAdapter || kind === 'webgpu';

const int64 = (v: Int32Array) => BigInt64Array.from(v, (x) => BigInt(x));

async function answer(m: Extract<TrainToWebview, { requestId: number }>): Promise<void> {
  const reply = (body: Record<string, unknown>) => post({ type: 'reply', inReplyTo: m.requestId, ...body } as TrainFromWebview);
  try {
    switch (m.type) {
      case 'session': {
        await train?.release();
        train = null;
        const t0 = performance.now();
        const initial = new Map<string, Float32Array | BigInt64Array>();
        for (const s of m.state) {
          const v = m.initial[s.input];
          initial.set(s.input, v instanceof Int32Array ? int64(v) : v ?? (s.type === 'int64' ? new BigInt64Array(s.shape.reduce((a, b) => a * b, 1)) : new Float32Array(s.shape.reduce((a, b) => a * b, 1))));
        }
        const step: Pick<TrainingStep, 'onnx' | 'inputs' | 'state' | 'masks'> = {
          onnx: m.onnx, inputs: m.inputs,
          state: m.state.map((s) => ({ input: s.input, output: s.output, shape: s.shape, type: s.type, kind: 'param' as const })),
          masks: m.masks,
        };
        const found = await runtime!.probe(settingFor(m.backend), allowFallback(m.backend));
        if (m.backend === 'webgpu' && found.backend !== 'webgpu') throw new Error(fmt('noGpu'));
        train = await runtime!.createTrainingSession(step, settingFor(m.backend), allowFallback(m.backend), initial);
        reply({ backend: train.backend, adapter: train.backend === 'webgpu' ? adapterName(found.adapter) : null, sessionMs: Math.round(performance.now() - t0) });
        return;
      }
      case 'step': {
        if (!train) throw new Error('no training session');
        const r = await train.step({ input: m.input, labels: m.labels, lr: m.lr, step: m.step, masks: m.masks });
        reply({ loss: r.loss, logits: r.logits, ms: r.ms });
        return;
      }
      case 'pullState': {
        if (!train) throw new Error('no training session');
        const values = await train.readState(m.names);
        const state: Record<string, Float32Array | Int32Array> = {};
        for (const [k, v] of values) state[k] = v instanceof BigInt64Array ? Int32Array.from(v, (x) => Number(x)) : v;
        reply({ state });
        return;
      }
      case 'evalSession': {
        await evalSession?.release();
        const kind = train?.backend ?? null;
        evalSession = await runtime!.createEvalSession(m.onnx, settingFor(kind), allowFallback(kind));
        reply({ done: true });
        return;
      }
      case 'evalRun': {
        if (!evalSession) throw new Error('no evaluation session');
        reply({ logits: await evalSession.run(m.input, m.dims) });
        return;
      }
      case 'release': {
        if (m.what === 'eval') { await evalSession?.release(); evalSession = null; } else { await train?.release(); train = null; }
        reply({ done: true });
        return;
      }
    }
  } catch (e) {
    // Cancel stopped the worker under this request: the host counts nothing of it
    if (e instanceof CancelledError) reply({ cancelled: true });
    else reply({ error: e instanceof Error ? e.message : String(e) });
  }
}

// ------------------------------------------------------------------ view

const app = document.getElementById('app')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string | null>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

function btn(label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

const pct = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, d = 4) => (v === null || Number.isNaN(v) ? '–' : v.toFixed(d));

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function backendLine(): HTMLElement {
  const line = el('div', { class: 'backend', id: 'backend' });
  if (!found) { line.textContent = fmt('probing'); return line; }
  const steps = shown?.metrics.filter((m): m is StepMetric => m.kind === 'step') ?? [];
  const ips = steps.length ? steps.slice(-10).reduce((a, m) => a + m.imagesPerSecond, 0) / Math.min(10, steps.length) : null;
  line.append(el('span', { class: 'badge' }, found.backend === 'webgpu' ? fmt('backendWebgpu', found.adapter ?? '') : fmt('backendWasm')));
  if (ips !== null) line.append(el('span', { class: 'ips', id: 'ips' }, fmt('imagesPerSecond', ips.toFixed(1))));
  if (found.backend === 'wasm') line.append(el('div', { class: 'notice', id: 'wasm-notice' }, fmt(`reason:${found.reason ?? 'setting'}`, found.detail ?? found.adapter ?? '')));
  return line;
}

function diffBlock(s: SnippetView): HTMLElement | null {
  const arms = s.arms.filter((a) => a.diff.length > 0);
  if (!arms.length) return null;
  const box = el('div', { class: 'diffs' });
  for (const a of arms) {
    const pre = el('pre', { class: 'diff', 'data-arm': a.id });
    for (const d of a.diff) pre.append(el('div', { class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'ctx' }, `${String(d.at).padStart(4)} ${d.op} ${d.line}`));
    box.append(el('details', { open: '' }, el('summary', {}, fmt('variantDiff', a.label, init?.fileName ?? '')), pre));
  }
  return box;
}

function render(): void {
  if (!init) return;
  const s = snippets.find((x) => x.id === selected);
  const running = !!shown?.live;
  app.replaceChildren();
  app.setAttribute('data-state', running ? 'running' : shown ? 'shown' : 'idle');
  app.append(el('header', {}, el('h1', {}, fmt('title', init.fileName)), backendLine()));
  const list = el('nav', { class: 'snippets', role: 'tablist' });
  for (const x of snippets) {
    const b = btn(x.title, () => { selected = x.id; vscode.setState({ uri: init!.uri, snippet: selected }); post({ type: 'selected', snippet: selected }); render(); },
      { role: 'tab', 'aria-selected': String(x.id === selected), 'data-snippet': x.id, class: x.unavailable ? 'unavailable' : '' });
    list.append(b);
  }
  app.append(list);
  if (!snippets.length) app.append(el('p', { class: 'placeholder' }, fmt('preparing')));
  if (s) {
    const sec = el('section', { class: 'snippet', 'data-snippet': s.id });
    sec.append(el('h2', {}, s.title), el('p', { class: 'description' }, s.description));
    if (s.unavailable) sec.append(el('p', { class: 'unavailable-message', id: 'unavailable' }, s.unavailable));
    const area = el('textarea', { class: 'settings', id: 'settings', spellcheck: 'false', rows: String(s.settingsText.split('\n').length + 1), 'aria-label': fmt('settings') });
    area.value = edited.get(s.id) ?? s.settingsText;
    area.addEventListener('input', () => edited.set(s.id, area.value));
    sec.append(area, el('p', { class: 'sizes', id: 'sizes' }, s.sizes));
    const diffs = diffBlock(s);
    if (diffs) sec.append(diffs);
    const run = btn(fmt('run'), () => startRun(s.id, area.value), { id: 'run', class: 'primary' });
    if (running || runAbort || s.unavailable) run.setAttribute('disabled', '');
    const cancel = btn(fmt('cancel'), cancelRun, { id: 'cancel' });
    if (!runAbort) cancel.setAttribute('disabled', '');
    const reset = btn(fmt('reset'), () => { edited.delete(s.id); render(); }, { id: 'reset' });
    sec.append(el('div', { class: 'actions' }, run, cancel, reset));
    if (s.note) sec.append(el('blockquote', { class: 'note', id: 'note' }, s.note));
    app.append(sec);
  }
  if (failure) app.append(el('div', { class: 'error', id: 'error', role: 'alert' }, failure));
  if (statusText) app.append(el('div', { class: 'status', id: 'status' }, statusText));
  if (shown) app.append(runView(shown.run, shown.metrics, shown.live));
  app.append(runsList());
}

function progressView(run: RunSummary, metrics: Metric[], started: number): HTMLElement {
  const steps = metrics.filter((m): m is StepMetric => m.kind === 'step');
  const last = steps.at(-1);
  const armIndex = last ? run.arms.findIndex((a) => a.id === last.arm) : 0;
  const total = (last?.totalSteps ?? 0) * run.arms.length;
  const done = (last ? armIndex * last.totalSteps + last.step : 0);
  const elapsed = (performance.now() - started) / 1000;
  const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
  const bar = el('progress', { id: 'progress', max: String(Math.max(1, total)), value: String(done) });
  return el('div', { class: 'progress' }, bar, el('span', { id: 'progress-text' },
    last ? fmt('progress', run.arms[armIndex]?.label ?? '', last.step, last.totalSteps, last.loss.toFixed(4), formatEta(eta)) : fmt('starting')));
}

const COLORS = ['var(--vscode-charts-blue, #3794ff)', 'var(--vscode-charts-orange, #d18616)', 'var(--vscode-charts-purple, #b180d7)', 'var(--vscode-charts-green, #89d185)'];

interface Series { name: string; points: [number, number][]; dashed?: boolean; color: string }

function chart(id: string, title: string, xLabel: string, series: Series[], yFormat: (v: number) => string, yDomain?: [number, number]): HTMLElement {
  const W = 420;
  const H = 220;
  const m = { top: 24, right: 12, bottom: 36, left: 52 };
  const svg = d3.create('svg').attr('class', 'chart').attr('id', id).attr('width', W).attr('height', H).attr('viewBox', `0 0 ${W} ${H}`).attr('role', 'img').attr('aria-label', title);
  const all = series.flatMap((s) => s.points);
  const x = d3.scaleLinear().domain([d3.min(all, (p) => p[0]) ?? 0, Math.max(1, d3.max(all, (p) => p[0]) ?? 1)]).range([m.left, W - m.right]);
  const y = d3.scaleLinear().domain(yDomain ?? [Math.min(0, d3.min(all, (p) => p[1]) ?? 0), d3.max(all, (p) => p[1]) ?? 1]).nice().range([H - m.bottom, m.top]);
  svg.append('text').attr('class', 'chart-title').attr('x', m.left).attr('y', 14).text(title);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${H - m.bottom})`).call(d3.axisBottom(x).ticks(6).tickFormat(d3.format('~d')));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat((v) => yFormat(Number(v))));
  svg.append('text').attr('class', 'axis-label').attr('x', W - m.right).attr('y', H - 4).attr('text-anchor', 'end').text(xLabel);
  const line = d3.line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]));
  series.forEach((s, i) => {
    svg.append('path').datum(s.points).attr('class', 'series').attr('data-series', s.name).attr('fill', 'none').attr('stroke', s.color)
      .attr('stroke-width', 1.5).attr('stroke-dasharray', s.dashed ? '4 3' : null).attr('d', line);
    if (s.points.length < 40) {
      svg.append('g').selectAll('circle').data(s.points).join('circle').attr('class', 'point').attr('r', 2.5).attr('fill', s.color).attr('cx', (p) => x(p[0])).attr('cy', (p) => y(p[1]));
    }
    svg.append('text').attr('class', 'legend').attr('x', W - m.right).attr('y', m.top + 12 * i).attr('text-anchor', 'end').attr('fill', s.color).text(s.name);
  });
  const node = svg.node()!;
  const box = el('figure', { class: 'chart-box' }, node);
  const exportAs = async (format: 'svg' | 'png') => {
    const text = svgMarkup(node, W, H);
    const name = `${shown?.run.name ?? 'train'}-${id}.${format}`;
    post({ type: 'saveExport', format, suggestedName: name, data: format === 'svg' ? text : await pngBase64(text, W, H), encoding: format === 'svg' ? 'utf8' : 'base64' });
  };
  box.append(el('figcaption', {}, btn('SVG', () => void exportAs('svg'), { class: 'link' }), btn('PNG', () => void exportAs('png'), { class: 'link' })));
  return box;
}

function runView(run: RunSummary, metrics: Metric[], live: boolean): HTMLElement {
  const box = el('section', { class: 'run', id: 'run-view', 'data-status': run.status, 'data-name': run.name });
  box.append(el('h2', {}, `${run.name}`, el('span', { class: `status-badge ${run.status}` }, fmt(`status:${run.status}`))));
  if (run.message) box.append(el('p', { class: 'run-message', id: 'run-message' }, run.message));
  if (live && shown && run.status === 'running') box.append(progressView(run, metrics, shown.started));
  const steps = metrics.filter((m): m is StepMetric => m.kind === 'step');
  const epochs = metrics.filter((m): m is EpochMetric => m.kind === 'epoch');
  const charts = el('div', { class: 'charts' });
  const byArm = (arm: string) => steps.filter((m) => m.arm === arm);
  charts.append(chart('loss', fmt('chartLoss'), fmt('step'), run.arms.map((a, i) => ({ name: a.label, color: COLORS[i % 4]!, points: byArm(a.id).map((m) => [m.step, m.loss] as [number, number]) })), (v) => v.toFixed(2)));
  if (epochs.length) {
    const acc: Series[] = [];
    run.arms.forEach((a, i) => {
      const e = epochs.filter((m) => m.arm === a.id);
      acc.push({ name: fmt('trainOf', a.label), color: COLORS[i % 4]!, points: e.map((m) => [m.epoch, m.trainAccuracy]) });
      if (e.some((m) => m.testAccuracy !== null)) acc.push({ name: fmt('testOf', a.label), color: COLORS[i % 4]!, dashed: true, points: e.filter((m) => m.testAccuracy !== null).map((m) => [m.epoch, m.testAccuracy!]) });
    });
    charts.append(chart('accuracy', fmt('chartAccuracy'), fmt('epoch'), acc, (v) => `${Math.round(v * 100)}%`, [0, 1]));
  }
  charts.append(chart('step-time', fmt('chartStepTime'), fmt('step'), run.arms.map((a, i) => ({ name: a.label, color: COLORS[i % 4]!, points: byArm(a.id).map((m) => [m.step, m.ms] as [number, number]) })), (v) => `${Math.round(v)}`));
  box.append(charts);
  box.append(resultsTable(run, live ? liveArms(run, steps, epochs) : run.arms));
  if (run.headline) box.append(el('p', { class: 'headline', id: 'headline' }, run.headline));
  return box;
}

function liveArms(run: RunSummary, steps: StepMetric[], epochs: EpochMetric[]): ArmResult[] {
  return run.arms.map((a) => {
    const s = steps.filter((m) => m.arm === a.id);
    const e = epochs.filter((m) => m.arm === a.id).at(-1);
    const last = s.at(-1);
    return { ...a, steps: last?.step ?? 0, loss: last?.loss ?? null, trainAccuracy: e?.trainAccuracy ?? null, testAccuracy: e?.testAccuracy ?? null,
      imagesPerSecond: s.length ? s.reduce((x, m) => x + m.imagesPerSecond, 0) / s.length : null };
  });
}

function markdown(run: RunSummary, arms: ArmResult[]): string {
  const head = [fmt('network'), fmt('backend'), fmt('steps'), fmt('loss'), fmt('trainAccuracy'), fmt('testAccuracy'), fmt('imagesPerSecondShort'), fmt('stepsTo25')];
  const rows = arms.map((a) => [a.label, a.backend, String(a.steps), num(a.loss), pct(a.trainAccuracy), pct(a.testAccuracy), num(a.imagesPerSecond, 1), a.stepsTo25 === null ? '–' : String(a.stepsTo25)]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), ...(run.headline ? ['', run.headline] : [])].join('\n') + '\n';
}

function resultsTable(run: RunSummary, arms: ArmResult[]): HTMLElement {
  const table = el('table', { class: 'results', id: 'results' });
  const head = [fmt('network'), fmt('backend'), fmt('steps'), fmt('loss'), fmt('trainAccuracy'), fmt('testAccuracy'), fmt('imagesPerSecondShort'), fmt('stepsTo25'), ''];
  table.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))));
  const body = el('tbody');
  for (const a of arms) {
    const use = a.weights ? btn(fmt('useWeights'), () => post({ type: 'useWeights', dir: run.dir, arm: a.id }), { class: 'use-weights', 'data-arm': a.id }) : null;
    body.append(el('tr', { 'data-arm': a.id }, el('td', {}, a.label), el('td', {}, a.backend), el('td', { class: 'steps' }, String(a.steps)), el('td', {}, num(a.loss)),
      el('td', {}, pct(a.trainAccuracy)), el('td', {}, pct(a.testAccuracy)), el('td', {}, num(a.imagesPerSecond, 1)),
      el('td', { class: 'steps-to-25' }, a.stepsTo25 === null ? '–' : String(a.stepsTo25)), el('td', {}, use)));
  }
  table.append(body);
  const copy = btn(fmt('copyMarkdown'), () => {
    const text = markdown(run, arms);
    void navigator.clipboard?.writeText(text).catch(() => undefined);
    post({ type: 'saveExport', format: 'md', suggestedName: `${run.name}.md`, data: text, encoding: 'utf8' });
  }, { id: 'copy-markdown', class: 'link' });
  return el('div', { class: 'results-box' }, table, copy);
}

function runsList(): HTMLElement {
  const box = el('section', { class: 'runs', id: 'runs' }, el('h2', {}, fmt('runs')));
  if (!runs.length) { box.append(el('p', { class: 'placeholder' }, fmt('noRuns'))); return box; }
  const ul = el('ul');
  for (const r of runs) {
    ul.append(el('li', { 'data-name': r.name, 'data-status': r.status },
      btn(r.name, () => post({ type: 'openRun', dir: r.dir }), { class: 'link open-run' }),
      el('span', { class: `status-badge ${r.status}` }, fmt(`status:${r.status}`)),
      r.headline ? el('span', { class: 'run-headline' }, r.headline) : null));
  }
  box.append(ul);
  return box;
}

let pending = false;
function scheduleRender(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

async function probe(): Promise<void> {
  const choice = await runtime!.probe(settingFor(null), allowFallback(null));
  found = { backend: choice.backend, reason: choice.reason, detail: choice.detail, adapter: adapterName(choice.adapter) || null };
  post({ type: 'backend', ...found });
  render();
}

/** The run this page asked for (every run is the page's `run` request; Cancel aborts it and the host stops the job). */
let runAbort: AbortController | null = null;

/**
 * The host stops the job. On wasm the worker stops now too: the run is over, and the page holds the last completed
 * step's weights until the host has them (it says cancelled at once; the saved record follows). On WebGPU the step
 * in flight finishes first.
 */
function cancelRun(): void {
  runAbort?.abort();
  const stopped = runtime?.stop() ?? false;
  if (shown?.live && shown.run.status === 'running') {
    const last = shown.metrics.filter((m): m is StepMetric => m.kind === 'step').at(-1);
    if (stopped) shown.run = { ...shown.run, status: 'cancelled', message: fmt('cancelledSaving', last?.step ?? 0) };
    else statusText = fmt('cancelling');
  }
  render();
}

function startRun(snippet: SnippetId, settingsText: string): void {
  if (runAbort) return;
  failure = null;
  const abort = new AbortController();
  runAbort = abort;
  render();
  host.request({ type: 'run', snippet, settingsText }, 'runDone', abort.signal)
    .catch((e: unknown) => { if (!(e instanceof CancelledError)) report('run', e); })
    .finally(() => { if (runAbort === abort) runAbort = null; render(); });
}

const handlers: MessageHandlers<Exclude<TrainToWebview, { type: 'runDone' }>> = {
  init: (m) => {
    init = m;
    S = m.strings;
    document.documentElement.lang = m.language;
    if (m.selected) selected = m.selected;
    else selected = vscode.getState()?.snippet ?? selected;
    vscode.setState({ uri: m.uri, snippet: selected });
    runtime ??= new TrainingWorker({ worker: m.workerUrl, wasm: m.ortWasmUrl, webgpu: m.ortWebgpuWasmUrl });
    render();
    void probe().catch((e: unknown) => report('probe', e));
  },
  snippets: (m) => { snippets = m.snippets; render(); },
  runs: (m) => { runs = m.runs; render(); },
  start: (m) => {
    selected = m.snippet;
    vscode.setState({ uri: init!.uri, snippet: selected });
    if (m.run) {
      edited.delete(m.snippet);
      const s = snippets.find((x) => x.id === m.snippet);
      if (s) startRun(s.id, s.settingsText);
    }
    render();
  },
  runStarted: (m) => { shown = { run: m.run, metrics: [], live: true, started: performance.now() }; failure = null; render(); },
  metric: (m) => {
    if (shown && shown.run.dir === m.dir) { shown.metrics.push(m.metric); scheduleRender(); }
  },
  status: (m) => { statusText = m.text; scheduleRender(); },
  runEnded: (m) => {
    if (shown && shown.run.dir === m.run.dir) shown = { ...shown, run: m.run, live: false };
    statusText = null;
    render();
  },
  runFailed: (m) => {
    failure = m.message;
    statusText = null;
    if (shown?.live) shown = null;
    render();
  },
  showRun: (m) => { shown = { run: m.run, metrics: m.metrics, live: false, started: 0 }; render(); },
  // the host's job drives the runtime: each request is answered by a `reply`
  session: answer, step: answer, pullState: answer, evalSession: answer, evalRun: answer, release: answer,
};

const host = new Endpoint<TrainFromWebview, TrainToWebview, 'runDone'>(post, handlers, ['runDone'], {
  cancelMessage: (requestId) => ({ type: 'cancel', requestId }),
  onError: (e) => report('message', e),
});
window.addEventListener('message', (event: MessageEvent<unknown>) => host.receive(event.data));

post({ type: 'ready' });
