// The classification webview: gets the model and input tensors from the host, runs them with onnxruntime-web
// (backend.ts) and shows top-k bars, the backend, latency and per-layer activation maps; a table for several images.
import { checkDeclaredSize } from '../../src/core/images/format';
import { type Channels, imagenetResize, preprocess } from '../../src/core/images/preprocess';
import { type RankedClass, probabilities, topK } from '../../src/core/scores';
import type {
  BackendReport, ClassifyErrorReport, ClassifyFromWebview, ClassifyViewState, ClassifyInitMessage, ClassifyStrings, ClassifyToWebview, ImageMessage, ModelInfo, RunMessage,
} from '../../src/shared/classifyProtocol';
import { Endpoint, type MessageHandlers } from '../../src/shared/messages';
import { type BackendChoice, adapterName, chooseBackend, configureRuntime, createSession, runModel, type Session, startRuntime } from '../ui/backend';
import { el } from '../ui/dom';
import type { ErrorReporter as UiErrorReporter } from '../ui/errors';
import type { VsCodeApi as ClassifyVsCodeApi } from '../ui/host';
import { fill, formatMs, percent } from '../ui/format';
import { drawChannel, drawInput } from './maps';

type VsCodeApi = ClassifyVsCodeApi<ClassifyFromWebview, ClassifyViewState>;
export type ErrorReporter = UiErrorReporter<ClassifyErrorReport['source']>;

type RowStatus = 'waiting' | 'running' | 'done' | 'error' | 'cancelled';

interface Row {
  index: number;
  name: string;
  path: string;
  status: RowStatus;
  tensor?: Float32Array;
  displayUrl?: string;
  width?: number;
  height?: number;
  top?: RankedClass[];
  logits?: number[];
  ms?: number;
  error?: string;
}

interface Run {
  id: number;
  modelKey: string;
  rows: Row[];
  queue: number[];
  cancelled: boolean;
  done: boolean;
}

interface Model {
  info: ModelInfo;
  session: Session | null;
  /** Resolves when the session is ready (or failed: then `failed` is set). */
  ready: Promise<void>;
  failed: string | null;
  /** Kept while on WebGPU, to rebuild the session on wasm if the device is lost. */
  bytes: Uint8Array | null;
}

/** How many channel tiles a layer shows before "Show all". */
const TILES = 64;



/** Where the model's input size came from, in words. */
function inputFrom(s: ClassifyStrings, source: ModelInfo['inputSource']): string {
  return { comment: s.inputFromComment, option: s.inputFromOption, default: s.inputFromDefault, fits: s.inputFromFits }[source];
}

/** How the preset scales an image to the model's size (the transforms are the tooltip). */
function scaling(s: ClassifyStrings, info: ModelInfo): string {
  const [, , height, width] = info.input;
  if (info.preset === 'seed') return fill(s.scaleSeed, width, height);
  return fill(s.scaleImagenet, imagenetResize({ height, width }), width, height);
}

export class ClassifyApp {
  private init: ClassifyInitMessage | null = null;
  private model: Model | null = null;
  private choice: BackendChoice | null = null;
  /** The WebGPU probe under way (started with `init`, before the host has the model ready). */
  private choosing: Promise<BackendChoice> | null = null;
  private report: BackendReport | null = null;
  private run: Run | null = null;
  private selected: number | null = null;
  private pumping = false;
  /** onnxruntime-web runs one inference at a time per session. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private hostStatus: string | null = null;
  private phase: string | null = null;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private deviceNotice: string | null = null;
  private readonly els: {
    header: HTMLElement; backend: HTMLElement; progress: HTMLElement; progressText: HTMLElement; progressBar: HTMLProgressElement;
    cancel: HTMLButtonElement; failure: HTMLElement; main: HTMLElement; dialog: HTMLDialogElement;
  };

  constructor(private readonly root: HTMLElement, private readonly api: VsCodeApi, private readonly reportError: ErrorReporter) {
    const progressBar = el('progress', { attrs: { max: '1' } });
    const cancel = el('button', { class: 'secondary', attrs: { type: 'button', id: 'cancel' } });
    cancel.addEventListener('click', () => this.cancel(true));
    this.els = {
      header: el('header', { class: 'info', attrs: { id: 'info' } }),
      backend: el('div', { class: 'backend', attrs: { id: 'backend' } }),
      progress: el('div', { class: 'progress', attrs: { id: 'progress', role: 'status', 'aria-live': 'polite' } }),
      progressText: el('span', { class: 'progress-text' }),
      progressBar,
      cancel,
      failure: el('div', { class: 'failure', attrs: { id: 'failure', role: 'alert' } }),
      main: el('main', { attrs: { id: 'main' } }),
      dialog: el('dialog', { class: 'enlarge', attrs: { id: 'enlarge' } }),
    };
    this.els.progress.append(this.els.progressText, progressBar, cancel);
    this.els.progress.hidden = true;
    this.els.failure.hidden = true;
  }

  start(): void {
    this.root.replaceChildren(this.els.header, this.els.backend, this.els.progress, this.els.failure, this.els.main, this.els.dialog);
    this.root.dataset.state = 'loading';
    this.post({ type: 'ready' });
  }

  private get s(): ClassifyStrings {
    return this.init!.strings;
  }

  private post(message: ClassifyFromWebview): void {
    this.host.send(message);
  }

  receive(message: unknown): void {
    this.host.receive(message);
  }

  private readonly handlers: MessageHandlers<ClassifyToWebview> = {
    init: (m) => {
      const before = this.init?.settings;
      this.init = m;
      document.documentElement.lang = m.language;
      this.els.cancel.textContent = m.strings.cancel;
      configureRuntime({ wasm: m.ortWasmUrl, webgpu: m.ortWebgpuWasmUrl });
      if (before && (before.backend !== m.settings.backend || before.allowFallbackAdapter !== m.settings.allowFallbackAdapter)) {
        // another backend: the next `model` builds a session on it
        this.choice = null;
        this.choosing = null;
        void this.model?.session?.release();
        this.model = null;
      }
      // the probe and the runtime's start (its wasm fetched and compiled) begin now, while the host prepares the model
      if (!this.choice && !this.choosing) {
        this.choosing = chooseBackend(m.settings.backend, m.settings.allowFallbackAdapter);
        void this.choosing.then(startRuntime);
      }
      this.render();
    },
    model: (m) => {
      if (this.model?.info.key === m.info.key && !this.model.failed) return;
      const old = this.model?.session;
      this.model = { info: m.info, session: null, ready: Promise.resolve(), failed: null, bytes: null };
      const bytes = this.fetchModel(m.url, m.size);
      bytes.catch(() => undefined); // handled in loadModel, which may await the previous model first
      this.model.ready = this.loadModel(this.model, bytes, old ?? null);
      this.renderHeader();
    },
    run: (m) => this.startRun(m),
    image: (m) => this.addImage(m),
    failure: (m) => {
      // the host gave up before this run's images: the previous results would mislead
      this.hostStatus = null;
      this.run = null;
      this.selected = null;
      this.renderMain();
      this.showFailure(m.message, m.offerWeights);
      this.root.dataset.state = 'failed';
      this.updateProgress();
    },
    status: (m) => {
      this.hostStatus = m.text;
      this.updateProgress();
    },
    cancel: (m) => {
      if (this.run?.id === m.runId) this.cancel(false);
    },
  };

  private readonly host = new Endpoint<ClassifyFromWebview, ClassifyToWebview>(
    (m) => this.api.postMessage(m), this.handlers, [], { onError: (e) => this.reportError('message', e) });

  // ------------------------------------------------------------------ model and backend

  /** The ONNX from the host's cache (a webview URL), with the progress line. */
  private async fetchModel(url: string, size: number): Promise<Uint8Array> {
    const response = await fetch(url);
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} for ${url}`);
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    let shown = 0;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      if (performance.now() - shown > 100) {
        shown = performance.now();
        this.setPhase(fill(this.s.fetchingModel, mb(received), mb(Math.max(size, received))));
      }
    }
    if (chunks.length === 1) return chunks[0];
    const bytes = new Uint8Array(received);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
    return bytes;
  }

  private async loadModel(model: Model, fetched: Promise<Uint8Array> | Uint8Array, old: Session | null): Promise<void> {
    await this.exclusive;
    if (old) await old.release().catch(() => undefined);
    const settings = this.init!.settings;
    const t0 = performance.now();
    try {
      // the WebGPU probe and the runtime's start (begun with `init`) run while the model is fetched
      const choosing = this.choice ? Promise.resolve(this.choice) : (this.choosing ??= chooseBackend(settings.backend, settings.allowFallbackAdapter));
      const starting = choosing.then(startRuntime);
      const bytes = await fetched;
      this.setPhase(fill(this.s.startingRuntime, settings.backend === 'wasm' ? 'WebAssembly' : 'WebGPU'));
      this.choice ??= await choosing;
      await starting;
      let choice = this.choice;
      let session: Session;
      try {
        session = await createSession(bytes, choice);
      } catch (e) {
        if (choice.backend !== 'webgpu') throw e;
        choice = this.choice = { backend: 'wasm', device: null, adapter: choice.adapter, reason: 'session', detail: e instanceof Error ? e.message : String(e) };
        session = await createSession(bytes, choice);
      }
      if (choice.backend === 'webgpu' && choice.device) {
        model.bytes = bytes;
        this.watchDevice(choice);
      }
      if (choice.backend === 'webgpu') {
        // the first run compiles the WebGPU shaders; later latencies are the steady state (wasm has nothing to warm)
        this.setPhase(fill(this.s.warmingUp, 'WebGPU'));
        await runModel(session, new Float32Array(model.info.input.reduce((a, b) => a * b, 1)), model.info.input);
      }
      if (this.model !== model) {
        await session.release();
        return;
      }
      model.session = session;
      this.report = {
        type: 'backend', backend: choice.backend, adapter: choice.adapter, reason: choice.reason, detail: choice.detail,
        sessionMs: Math.round(performance.now() - t0),
      };
      this.post(this.report);
      this.renderBackend();
    } catch (e) {
      model.failed = e instanceof Error ? e.message : String(e);
      if (this.model === model) {
        this.showFailure(fill(this.s.runtimeFailed, model.info.weightsFile, model.failed), false);
        this.failRemaining(model.failed);
      }
    } finally {
      this.setPhase(null);
    }
    void this.pump();
  }

  private watchDevice(choice: BackendChoice): void {
    void choice.device!.lost.then((info) => {
      if (this.choice !== choice) return;
      this.deviceNotice = fill(this.s.deviceLost, info.message || info.reason || 'unknown');
      this.choice = { backend: 'wasm', device: null, adapter: choice.adapter, reason: 'device', detail: info.message ?? null };
      const model = this.model;
      if (model?.bytes) {
        const bytes = model.bytes;
        model.bytes = null;
        model.session = null;
        model.ready = this.loadModel(model, bytes, null);
      }
      this.renderBackend();
    });
  }

  // ------------------------------------------------------------------ runs

  private startRun(m: RunMessage): void {
    if (this.run && !this.run.done) this.cancel(false);
    for (const r of this.run?.rows ?? []) if (r.displayUrl) URL.revokeObjectURL(r.displayUrl);
    this.run = {
      id: m.runId, modelKey: m.modelKey, cancelled: false, done: false, queue: [],
      rows: m.files.map((f, index) => ({ index, name: f.name, path: f.path, status: 'waiting' })),
    };
    this.api.setState({ files: m.files.map((f) => f.path) });
    this.selected = m.files.length === 1 ? 0 : null;
    this.els.failure.hidden = true;
    this.root.dataset.state = m.files.length ? 'running' : 'done';
    this.renderMain();
    this.updateProgress();
  }

  private addImage(m: ImageMessage): void {
    const run = this.run;
    if (!run || run.id !== m.runId || run.cancelled) return;
    const row = run.rows[m.index];
    if (!row) return;
    if (m.display) row.displayUrl = URL.createObjectURL(new Blob([m.display.bytes as BlobPart], { type: m.display.mime }));
    row.width = m.width;
    row.height = m.height;
    if (m.error) {
      this.finishRow(run, row, { status: 'error', error: m.error });
    } else if (m.tensor) {
      row.tensor = m.tensor;
      run.queue.push(m.index);
    } else if (m.encoded) {
      // WebP: the browser decodes, the same preprocessing as in the host follows
      void this.decodeHere(m.encoded, row.name).then(
        (d) => {
          if (run.cancelled) return;
          row.tensor = d.tensor;
          row.width = d.width;
          row.height = d.height;
          run.queue.push(m.index);
          void this.pump();
        },
        (e: unknown) => this.finishRow(run, row, { status: 'error', error: e instanceof Error ? e.message : String(e) }),
      );
    }
    this.renderRow(row);
    void this.pump();
  }

  private async decodeHere(bytes: Uint8Array, name: string): Promise<{ tensor: Float32Array; width: number; height: number }> {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/webp' }), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    } catch (e) {
      throw new Error(`${name}: is not a readable WebP image (${e instanceof Error ? e.message : String(e)})`);
    }
    const { width, height } = bitmap;
    checkDeclaredSize({ width, height }, 'webp', name);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const data = ctx.getImageData(0, 0, width, height).data;
    const info = this.model!.info;
    const img = { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), format: 'webp' as const };
    return { tensor: preprocess(img, info.preset, info.input[1] as Channels, name, { height: info.input[2], width: info.input[3] }), width, height };
  }

  private finishRow(run: Run, row: Row, patch: Partial<Row>): void {
    Object.assign(row, patch);
    this.renderRow(row);
    if (patch.status === 'done' || patch.status === 'error') {
      this.post({ type: 'result', runId: run.id, index: row.index, name: row.name, top: row.top, logits: row.logits, ms: row.ms, error: row.error });
    }
    this.checkDone(run);
  }

  private checkDone(run: Run): void {
    const finished = run.rows.filter((r) => r.status === 'done' || r.status === 'error' || r.status === 'cancelled').length;
    this.post({ type: 'progress', runId: run.id, done: finished, total: run.rows.length });
    if (!run.done && finished === run.rows.length) {
      run.done = true;
      this.root.dataset.state = 'done';
      this.post({ type: 'runDone', runId: run.id, cancelled: run.cancelled });
    }
    this.updateProgress();
  }

  private failRemaining(message: string): void {
    const run = this.run;
    if (!run) return;
    run.queue = [];
    for (const row of run.rows) if (row.status === 'waiting' || row.status === 'running') this.finishRow(run, row, { status: 'error', error: `${row.name}: ${message}` });
  }

  private cancel(fromUser: boolean): void {
    const run = this.run;
    if (!run || run.done) return;
    run.cancelled = true;
    run.queue = [];
    if (fromUser) this.post({ type: 'cancelRun', runId: run.id });
    for (const row of run.rows) if (row.status === 'waiting') { row.status = 'cancelled'; this.renderRow(row); }
    this.checkDone(run);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const run = this.run;
        const model = this.model;
        if (!run || run.cancelled || run.queue.length === 0 || !model || model.info.key !== run.modelKey) return;
        await model.ready;
        if (model.failed) return this.failRemaining(model.failed);
        if (this.run !== run || run.cancelled || !model.session) continue;
        const row = run.rows[run.queue.shift()!];
        row.status = 'running';
        this.renderRow(row);
        this.updateProgress();
        try {
          const out = await this.serial(() => runModel(model.session!, row.tensor!, model.info.input));
          const probs = probabilities(out.logits, model.info.outputKind);
          this.finishRow(run, row, { status: 'done', top: topK(probs, this.init!.settings.topK, model.info.labels), logits: Array.from(out.logits), ms: out.ms });
          if (this.selected === row.index) void this.showMaps(row);
        } catch (e) {
          this.finishRow(run, row, { status: 'error', error: `${row.name}: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(f, f);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  // ------------------------------------------------------------------ progress and failures

  private setPhase(text: string | null): void {
    this.phase = text;
    this.updateProgress();
  }

  /** The progress line: host phase, runtime start, or n of m; shown only once work has lasted a second. */
  private updateProgress(): void {
    if (!this.init) return;
    const run = this.run;
    const active = run && !run.done;
    let text: string | null = this.hostStatus ?? this.phase;
    let value: number | null = null;
    if (!text && active) {
      const finished = run.rows.filter((r) => r.status !== 'waiting' && r.status !== 'running').length;
      text = fill(this.s.classifying, Math.min(finished + 1, run.rows.length), run.rows.length);
      value = run.rows.length ? finished / run.rows.length : 0;
    }
    const busy = text !== null && (active || this.phase !== null || this.hostStatus !== null);
    if (!busy) {
      clearTimeout(this.progressTimer);
      this.progressTimer = undefined;
      this.els.progress.hidden = true;
      return;
    }
    this.els.progressText.textContent = text;
    if (value === null) this.els.progressBar.removeAttribute('value');
    else this.els.progressBar.value = value;
    this.els.cancel.hidden = !active;
    if (this.els.progress.hidden && this.progressTimer === undefined) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = undefined;
        if (this.els.progressText.textContent) this.els.progress.hidden = false;
      }, 1000);
    }
  }

  private showFailure(message: string, offerWeights: boolean): void {
    const box = this.els.failure;
    box.replaceChildren(el('span', { class: 'failure-text', text: message }));
    if (offerWeights && this.init) {
      box.append(this.commandButton(this.s.changeWeights, 'loadWeights', 'primary'), this.commandButton(this.s.defaultWeights, 'useDefaultWeights', 'secondary'));
    }
    box.hidden = false;
  }

  private commandButton(label: string, command: 'loadWeights' | 'useDefaultWeights', kind: 'primary' | 'secondary'): HTMLButtonElement {
    const b = el('button', { class: kind, text: label, attrs: { type: 'button', 'data-command': command } });
    b.addEventListener('click', () => this.post({ type: 'command', command }));
    return b;
  }

  // ------------------------------------------------------------------ rendering

  private render(): void {
    this.renderHeader();
    this.renderBackend();
    this.renderMain();
    this.updateProgress();
  }

  private renderHeader(): void {
    const h = this.els.header;
    if (!this.init || !this.model) {
      h.replaceChildren();
      return;
    }
    const s = this.s;
    const info = this.model.info;
    const item = (label: string, value: string, title?: string) =>
      el('div', { class: 'info-item', attrs: title ? { title } : {} }, el('span', { class: 'info-label', text: `${label}: ` }), el('span', { class: 'info-value', text: value }));
    const labels = info.labelsFile ?? (info.labelsSource === 'imagenet' ? s.builtInImagenet : s.noLabels);
    const weights = info.isDefault ? `${info.weightsFile} ${s.defaultTag}` : info.weightsFile;
    const buttons = el('div', { class: 'info-actions' }, this.commandButton(s.changeWeights, 'loadWeights', 'secondary'));
    if (!info.isDefault) buttons.append(this.commandButton(s.defaultWeights, 'useDefaultWeights', 'secondary'));
    h.replaceChildren(
      el('div', { class: 'info-items' },
        item(s.weights, weights),
        item(s.labels, labels),
        item(s.model, `${info.entry} (${info.modelFile})`),
        item(s.input, `${info.input.slice(1).join('×')} (${inputFrom(s, info.inputSource)})`),
        item(s.preprocessing, `${info.preset}: ${scaling(s, info)}`, info.transforms)),
      buttons,
    );
    if (info.notes.length) h.append(el('ul', { class: 'notes', attrs: { 'aria-label': s.notes } }, ...info.notes.map((n) => el('li', { text: n }))));
  }

  private renderBackend(): void {
    const b = this.els.backend;
    const r = this.report;
    if (!this.init || !r) {
      b.replaceChildren();
      return;
    }
    const s = this.s;
    const name = r.backend === 'webgpu' ? fill(s.backendWebgpu, adapterName(r.adapter)) : s.backendWasm;
    b.dataset.backend = r.backend;
    b.replaceChildren(
      el('span', { class: 'info-label', text: `${s.backend}: ` }),
      el('span', { class: 'backend-name', text: name }),
      el('span', { class: 'session-ms', text: ` · ${fill(s.sessionReady, r.sessionMs)}` }),
    );
    const reasons: Record<NonNullable<BackendReport['reason']>, string> = {
      setting: s.reasonSetting, 'no-webgpu': s.reasonNoWebgpu, 'no-adapter': s.reasonNoAdapter, 'fallback-adapter': s.reasonFallbackAdapter,
      device: s.reasonDevice, session: s.reasonSession, timeout: s.reasonTimeout,
    };
    const notices: string[] = [];
    if (this.deviceNotice) notices.push(this.deviceNotice);
    if (r.reason) notices.push(fill(reasons[r.reason], r.reason === 'fallback-adapter' ? adapterName(r.adapter) : r.detail ?? ''));
    for (const n of notices) b.append(el('div', { class: 'notice', text: n, attrs: { role: 'note' } }));
  }

  private renderMain(): void {
    const main = this.els.main;
    const run = this.run;
    if (!this.init || !run) {
      main.replaceChildren();
      return;
    }
    if (run.rows.length === 0) {
      main.replaceChildren(el('p', { class: 'empty', text: this.s.noImages }));
      return;
    }
    if (this.selected !== null) main.replaceChildren(this.detailView(run.rows[this.selected], run.rows.length > 1));
    else main.replaceChildren(this.tableView(run));
  }

  private renderRow(row: Row): void {
    if (!this.init || !this.run) return;
    if (this.selected === row.index) {
      const old = this.els.main.querySelector('.detail');
      if (old) old.replaceWith(this.detailView(row, this.run.rows.length > 1));
      return;
    }
    const tr = this.els.main.querySelector(`tr[data-index="${row.index}"]`);
    if (tr) tr.replaceWith(this.tableRow(row));
  }

  private tableView(run: Run): HTMLElement {
    const s = this.s;
    const k = this.init!.settings.topK;
    const head = el('tr', {}, ...[s.image, s.file, s.prediction, s.probability, fill(s.top, k), s.latency].map((t) => el('th', { text: t, attrs: { scope: 'col' } })));
    return el('section', { class: 'table-view' },
      el('h2', { text: fill(s.results, run.rows.length) }),
      el('table', { class: 'results' }, el('thead', {}, head), el('tbody', {}, ...run.rows.map((r) => this.tableRow(r)))));
  }

  private tableRow(row: Row): HTMLTableRowElement {
    const s = this.s;
    const thumb = row.displayUrl ? el('img', { class: 'thumb', attrs: { src: row.displayUrl, alt: '' } }) : null;
    const open = el('button', { class: 'link', text: row.name, attrs: { type: 'button', title: `${s.details}: ${row.path}` } });
    open.addEventListener('click', () => this.select(row.index));
    const tr = el('tr', { class: `row ${row.status}`, attrs: { 'data-index': String(row.index), 'data-status': row.status } },
      el('td', {}, thumb), el('td', { class: 'file' }, open));
    if (row.status === 'done' && row.top?.length) {
      const best = row.top[0];
      tr.append(
        el('td', { class: 'prediction', text: best.label }),
        el('td', { class: 'probability' }, el('div', { class: 'prob-cell' }, this.bar(best.prob), el('span', { class: 'pct', text: percent(best.prob) }))),
        el('td', { class: 'others', text: row.top.slice(1).map((t) => `${t.label} ${percent(t.prob)}`).join(' · ') }),
        el('td', { class: 'latency', text: formatMs(row.ms ?? 0) }),
      );
    } else {
      const text = row.status === 'error' ? row.error ?? s.failed : row.status === 'cancelled' ? s.cancelled : '…';
      tr.append(el('td', { class: row.status === 'error' ? 'error-text' : 'pending', text, attrs: { colspan: '4' } }));
    }
    return tr;
  }

  private bar(prob: number): HTMLElement {
    const fill = el('span', { class: 'bar-fill' });
    fill.style.width = `${Math.max(0, Math.min(1, prob)) * 100}%`;
    return el('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, fill);
  }

  private select(index: number | null): void {
    this.selected = index;
    this.renderMain();
    const row = index === null ? null : this.run?.rows[index];
    if (row?.status === 'done') void this.showMaps(row);
    const focus = index === null ? this.els.main.querySelector<HTMLElement>('tr .link') : this.els.main.querySelector<HTMLElement>('.back, .top-list');
    focus?.focus();
  }

  private detailView(row: Row, withBack: boolean): HTMLElement {
    const s = this.s;
    const info = this.model?.info;
    const section = el('section', { class: `detail ${row.status}`, attrs: { 'data-index': String(row.index), 'data-status': row.status } });
    if (withBack) {
      const back = el('button', { class: 'secondary back', text: s.backToTable, attrs: { type: 'button' } });
      back.addEventListener('click', () => this.select(null));
      section.append(back);
    }
    const figures = el('div', { class: 'figures' });
    const size = row.width && row.height ? ` (${row.width}×${row.height})` : '';
    if (row.displayUrl) figures.append(el('figure', {}, el('img', { class: 'photo', attrs: { src: row.displayUrl, alt: row.name } }), el('figcaption', { text: row.name + size })));
    else figures.append(el('figure', {}, el('figcaption', { text: row.name + size })));
    if (row.tensor && info) {
      const canvas = el('canvas', { class: 'input-view', attrs: { role: 'img', 'aria-label': fill(s.inputSeen, info.preset) } });
      drawInput(canvas, row.tensor, info.input[1], info.input[2], info.input[3], info.mean, info.std);
      figures.append(el('figure', { attrs: { title: info.transforms } }, canvas, el('figcaption', { text: fill(s.inputSeen, info.preset) })));
    }
    section.append(figures);
    const result = el('div', { class: 'result' });
    if (row.status === 'done' && row.top) {
      const list = el('ol', { class: 'top-list', attrs: { tabindex: '-1', 'aria-label': fill(s.top, row.top.length) } });
      for (const t of row.top) {
        list.append(el('li', { attrs: { 'data-class': String(t.index) } },
          el('span', { class: 'label', text: t.label }), this.bar(t.prob), el('span', { class: 'pct', text: percent(t.prob) })));
      }
      const backend = this.report ? (this.report.backend === 'webgpu' ? 'WebGPU' : 'WebAssembly') : '';
      result.append(el('h2', { text: fill(s.top, row.top.length) }), list, el('div', { class: 'latency', text: `${s.latency}: ${formatMs(row.ms ?? 0)} (${backend})` }));
    } else if (row.status === 'error') {
      result.append(el('p', { class: 'error-text', text: row.error ?? s.failed }));
    } else if (row.status === 'cancelled') {
      result.append(el('p', { class: 'pending', text: s.cancelled }));
    } else {
      result.append(el('p', { class: 'pending', text: s.loading }));
    }
    section.append(result);
    if (row.status === 'done' && info?.maps.length) section.append(el('section', { class: 'maps', attrs: { 'aria-label': s.activations } }, el('h2', { text: s.activations }), el('p', { class: 'hint', text: s.activationsHint })));
    return section;
  }

  private async showMaps(row: Row): Promise<void> {
    const model = this.model;
    if (!model?.session || !row.tensor || !model.info.maps.length) return;
    const names = model.info.maps.map((m) => m.name);
    let out;
    try {
      out = await this.serial(() => runModel(model.session!, row.tensor!, model.info.input, names));
    } catch (e) {
      this.reportError('runtime', e);
      return;
    }
    const section = this.els.main.querySelector<HTMLElement>(`.detail[data-index="${row.index}"] .maps`);
    if (!section || this.selected !== row.index) return;
    for (const layer of model.info.maps) {
      const t = out.maps.get(layer.name);
      if (!t) continue;
      const [, c, h, w] = t.dims;
      const grid = el('div', { class: 'grid' });
      const block = el('div', { class: 'layer', attrs: { 'data-layer': layer.layer } },
        el('h3', { text: `${layer.title} [${t.dims.join(', ')}]` }), grid);
      const addTiles = (from: number, to: number) => {
        for (let ch = from; ch < to; ch++) {
          const canvas = el('canvas');
          drawChannel(canvas, t.data, ch, h, w);
          const label = `${layer.title}: ${fill(this.s.channel, ch + 1, c)}`;
          const tile = el('button', { class: 'tile', attrs: { type: 'button', title: label, 'aria-label': label, 'data-channel': String(ch) } }, canvas);
          tile.addEventListener('click', () => this.enlarge(layer.title, t.data, ch, c, h, w, tile));
          grid.append(tile);
        }
      };
      addTiles(0, Math.min(c, TILES));
      if (c > TILES) {
        const more = el('button', { class: 'secondary more', text: fill(this.s.showAll, c), attrs: { type: 'button' } });
        more.addEventListener('click', () => {
          more.remove();
          addTiles(TILES, c);
        });
        block.append(more);
      }
      section.append(block);
    }
  }

  private enlarge(title: string, data: Float32Array, channel: number, count: number, h: number, w: number, returnFocus: HTMLElement): void {
    const s = this.s;
    const dialog = this.els.dialog;
    let ch = channel;
    const canvas = el('canvas', { class: 'big' });
    const caption = el('p', { class: 'caption' });
    const draw = () => {
      const range = drawChannel(canvas, data, ch, h, w);
      caption.textContent = `${title}: ${fill(s.channel, ch + 1, count)} · min ${range.min.toFixed(3)} · max ${range.max.toFixed(3)}`;
      canvas.setAttribute('aria-label', caption.textContent);
    };
    const step = (d: number) => { ch = (ch + d + count) % count; draw(); };
    const prev = el('button', { class: 'secondary', text: '‹', attrs: { type: 'button', 'aria-label': s.previous, title: s.previous } });
    const next = el('button', { class: 'secondary', text: '›', attrs: { type: 'button', 'aria-label': s.next, title: s.next } });
    const close = el('button', { class: 'primary', text: s.close, attrs: { type: 'button' } });
    prev.addEventListener('click', () => step(-1));
    next.addEventListener('click', () => step(1));
    close.addEventListener('click', () => dialog.close());
    dialog.onkeydown = (e) => {
      if (e.key === 'ArrowLeft') { step(-1); e.preventDefault(); }
      if (e.key === 'ArrowRight') { step(1); e.preventDefault(); }
    };
    dialog.onclose = () => returnFocus.focus();
    canvas.setAttribute('role', 'img');
    dialog.replaceChildren(canvas, caption, el('div', { class: 'dialog-actions' }, prev, next, close));
    draw();
    dialog.showModal();
    close.focus();
  }
}
