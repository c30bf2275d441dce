// The one message layer between the extension host and every webview (graph, classify, train), used on both sides.
// A protocol is two unions of messages discriminated by `type` (one per direction). On top of plain messages:
// request/reply (the request carries `requestId`, its reply `inReplyTo`), streams (items then an end, all with
// `inReplyTo`: training metrics) and cancel (the protocol's cancel message names the `requestId`).
// Handler tables are mapped types over the unions, so a message without a handler does not compile.

export interface Message {
  type: string;
}

/** Every webview's first message, once its handlers are installed; the host answers with its `init`. */
export interface ReadyMessage {
  type: 'ready';
}

/** Something failed in a webview (uncaught error, rejected promise, a failing step named by `source`). */
export interface WebviewError<S extends string = string> {
  type: 'error';
  source: S;
  message: string;
  stack?: string;
}

/** One handler per message type of union `U`; a missing one does not compile. */
export type MessageHandlers<U extends Message> = {
  [K in U['type']]: (message: Extract<U, { type: K }>) => void | Promise<void>;
};

/** Calls the handler for `message`; unknown types (from a newer/older peer) are reported, not thrown. */
export function dispatchMessage<U extends Message>(handlers: MessageHandlers<U>, message: unknown): void | Promise<void> {
  const type = (message as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(handlers, type)) {
    throw new Error(`Unknown message type: ${String(type)}`);
  }
  const handler = (handlers as Record<string, (m: unknown) => void | Promise<void>>)[type];
  return handler(message);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** The messages of `Out` that are requests, without the id the endpoint assigns. */
export type RequestOf<Out extends Message> = DistributiveOmit<Extract<Out, { requestId: number }>, 'requestId'>;
type ReplyType<In extends Message> = Extract<In, { inReplyTo: number }>['type'];

/** The request or stream was cancelled (by this side's AbortSignal, the peer, or the panel closing). */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

interface Pending {
  /** Takes a message with our `inReplyTo`; true when it ended the exchange. */
  take(message: Message): boolean;
  fail(error: Error): void;
}

export interface EndpointOptions<Out extends Message, In extends Message> {
  /** The protocol's cancel message for a request this side made (absent: cancelling only stops listening). */
  cancelMessage?: (requestId: number) => Out;
  /** The `requestId` a received message cancels, when it is the protocol's cancel message. */
  cancels?: (message: In) => number | undefined;
  /** A handler threw or rejected, or a message could not be dispatched. */
  onError?: (error: unknown) => void;
}

/**
 * One side of a channel. `R` are the reply and stream-item types this side receives only as answers: they have no
 * handler (a late one is dropped); every other received type must have one.
 */
export class Endpoint<Out extends Message, In extends Message, R extends ReplyType<In> = never> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly served = new Map<number, AbortController>();
  private readonly replyTypes: ReadonlySet<string>;

  constructor(
    private readonly post: (message: Out) => void,
    private readonly handlers: MessageHandlers<Exclude<In, { type: R }>>,
    replyTypes: readonly R[],
    private readonly options: EndpointOptions<Out, In> = {},
  ) {
    this.replyTypes = new Set(replyTypes);
  }

  send(message: Out): void {
    this.post(message);
  }

  /** Sends a request and resolves with its reply (of type `replyType`). */
  request<T extends R>(message: RequestOf<Out>, replyType: T, signal?: AbortSignal): Promise<Extract<In, { type: T }>> {
    return this.open(message, signal, (m, resolve) => {
      if (m.type !== replyType) return false;
      resolve(m as Extract<In, { type: T }>);
      return true;
    });
  }

  /** Sends a request whose answer is a stream: `onItem` for each `itemType` message, resolves with the `endType` one. */
  stream<I extends R, E extends R>(
    message: RequestOf<Out>,
    itemType: I,
    endType: E,
    onItem: (item: Extract<In, { type: I }>) => void,
    signal?: AbortSignal,
  ): Promise<Extract<In, { type: E }>> {
    return this.open(message, signal, (m, resolve) => {
      if (m.type === itemType) {
        onItem(m as Extract<In, { type: I }>);
        return false;
      }
      if (m.type !== endType) return false;
      resolve(m as Extract<In, { type: E }>);
      return true;
    });
  }

  /** For the side that answers a request: an AbortSignal that fires when the peer cancels it; call `done` after. */
  serve(requestId: number): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    this.served.set(requestId, controller);
    return { signal: controller.signal, done: () => this.served.delete(requestId) };
  }

  /** Entry point for every received message. */
  receive(raw: unknown): void {
    try {
      const message = raw as In;
      const inReplyTo = (raw as { inReplyTo?: unknown } | null)?.inReplyTo;
      if (typeof inReplyTo === 'number' && this.replyTypes.has(message.type)) {
        const pending = this.pending.get(inReplyTo);
        if (pending?.take(message)) this.pending.delete(inReplyTo);
        return;
      }
      const cancelled = this.options.cancels?.(message);
      if (cancelled !== undefined) this.served.get(cancelled)?.abort();
      const r = dispatchMessage(this.handlers, raw);
      if (r) r.catch((e: unknown) => this.options.onError?.(e));
    } catch (e) {
      this.options.onError?.(e);
    }
  }

  /** Fails every open request and stream (the panel closed). */
  dispose(): void {
    for (const p of this.pending.values()) p.fail(new CancelledError('the panel was closed'));
    this.pending.clear();
    for (const c of this.served.values()) c.abort();
    this.served.clear();
  }

  private open<T>(message: RequestOf<Out>, signal: AbortSignal | undefined, take: (m: Message, resolve: (v: T) => void) => boolean): Promise<T> {
    const requestId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(new CancelledError());
      const onAbort = () => {
        if (!this.pending.delete(requestId)) return;
        if (this.options.cancelMessage) this.post(this.options.cancelMessage(requestId));
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(requestId, {
        take: (m) => take(m, (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        }),
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.post({ ...message, requestId } as unknown as Out);
    });
  }
}
