// A dedicated Web Worker for a webview's compute (the Train panel's steps; Classify could use it too), started so
// that the worker fetches nothing: webview resources fetched from a worker can hang (microsoft/vscode#315494). The
// page fetches the worker's script (one IIFE bundle, dist/webview/<name>-worker.js) and the wasm binary, starts the
// worker from a Blob URL (CSP `worker-src blob:`) and hands the binary over as bytes (onnxruntime's
// env.wasm.wasmBinary). Requests go one at a time on the worker's side, in order; replies may transfer buffers.
import { CancelledError } from '../../src/shared/messages';

/** A worker's requests: for each type, what the request carries and what its reply is. */
export type WorkerProtocol = Record<string, { request: object; reply: unknown }>;

type RequestMessage<P extends WorkerProtocol> = { [K in keyof P & string]: { id: number; type: K; body: P[K]['request'] } }[keyof P & string];
type ReplyMessage = { inReplyTo: number; value?: unknown; error?: string };
/** What a worker posts besides replies (log lines). */
export interface WorkerEvent {
  event: 'log';
  line: string;
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

const bytes = new Map<string, Promise<ArrayBuffer>>();
const scripts = new Map<string, Promise<string>>();

/** The bytes at `url`, fetched once per page: a worker started again gets them without a second fetch. */
export function fetchBytes(url: string): Promise<ArrayBuffer> {
  let p = bytes.get(url);
  if (!p) {
    p = fetchOk(url).then((r) => r.arrayBuffer());
    p.catch(() => bytes.delete(url));
    bytes.set(url, p);
  }
  return p;
}

/** A Blob URL of the script at `url` (fetched once per page; kept for restarts). */
function scriptBlobUrl(url: string): Promise<string> {
  let p = scripts.get(url);
  if (!p) {
    p = fetchOk(url).then(async (r) => URL.createObjectURL(new Blob([await r.text()], { type: 'text/javascript' })));
    p.catch(() => scripts.delete(url));
    scripts.set(url, p);
  }
  return p;
}

/** The page's handle on a worker: typed requests, and `terminate` that stops it at once. */
export class WorkerClient<P extends WorkerProtocol> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private ended: Error | null = null;

  private constructor(private readonly worker: Worker, onEvent: (e: WorkerEvent) => void) {
    worker.onmessage = (e: MessageEvent<ReplyMessage | WorkerEvent>) => {
      const m = e.data;
      if ('event' in m) return onEvent(m);
      const p = this.pending.get(m.inReplyTo);
      if (!p) return;
      this.pending.delete(m.inReplyTo);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.value);
    };
    // a script that fails to load or throws outside a request: every open request fails with it
    worker.onerror = (e) => this.end(new Error(`the worker failed: ${e.message || 'it could not be started'}`));
  }

  /** Starts the worker of `scriptUrl` (fetched by the page, run from a Blob URL); `onEvent` gets its log lines. */
  static async start<P extends WorkerProtocol>(scriptUrl: string, name: string, onEvent: (e: WorkerEvent) => void = () => undefined): Promise<WorkerClient<P>> {
    return new WorkerClient<P>(new Worker(await scriptBlobUrl(scriptUrl), { name }), onEvent);
  }

  get alive(): boolean {
    return this.ended === null;
  }

  /** `transfer`: buffers of the request the page gives up (detached here). */
  request<K extends keyof P & string>(type: K, body: P[K]['request'], transfer: Transferable[] = []): Promise<P[K]['reply']> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise<P[K]['reply']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, body } satisfies RequestMessage<P>, transfer);
    });
  }

  /** Stops the worker now, mid-computation too; open requests fail with CancelledError. */
  terminate(): void {
    if (this.ended) return;
    this.worker.terminate();
    this.end(new CancelledError('the worker was stopped'));
  }

  private end(error: Error): void {
    this.ended ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/** A reply and the buffers it hands over to the page (zero-copy; the worker keeps no reference to them). */
export class Transfer<T> {
  constructor(readonly value: T, readonly list: Transferable[]) {}
}

export type WorkerHandlers<P extends WorkerProtocol> = {
  [K in keyof P & string]: (body: P[K]['request']) => Promise<P[K]['reply'] | Transfer<P[K]['reply']>>;
};

/** The worker's side: handles the page's requests one after another (onnxruntime runs one thing at a time). */
export function serveRequests<P extends WorkerProtocol>(handlers: WorkerHandlers<P>): void {
  let queue: Promise<void> = Promise.resolve();
  const reply = (m: ReplyMessage, transfer: Transferable[] = []) => self.postMessage(m, { transfer });
  self.onmessage = (e: MessageEvent<RequestMessage<P>>) => {
    const { id, type, body } = e.data;
    queue = queue.then(async () => {
      try {
        const out = await (handlers[type] as (b: unknown) => Promise<unknown>)(body);
        if (out instanceof Transfer) reply({ inReplyTo: id, value: out.value }, out.list);
        else reply({ inReplyTo: id, value: out });
      } catch (err) {
        reply({ inReplyTo: id, error: err instanceof Error ? err.message : String(err) });
      }
    });
  };
}

/** Sends what the worker writes to its console to the page as `log` events (onnxruntime's verbose log). */
export function forwardConsole(): void {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      original(...args);
      self.postMessage({ event: 'log', line: args.map(String).join(' ') } satisfies WorkerEvent);
    };
  }
}

/** The buffers under some typed arrays, once each (a buffer listed twice cannot be transferred). */
export function buffersOf(arrays: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}
