// The message layer shared by the host and every webview: request/reply, streams, cancel, unknown messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, Endpoint } from '../../src/shared/messages';

// A small protocol in the shape of the Train panel's: the host asks for a run, the webview streams metrics.
type HostToView =
  | { type: 'train'; requestId: number; steps: number }
  | { type: 'ping'; requestId: number }
  | { type: 'cancel'; requestId: number };
type ViewToHost =
  | { type: 'ready' }
  | { type: 'metric'; inReplyTo: number; step: number; loss: number }
  | { type: 'trainDone'; inReplyTo: number; cancelled: boolean; steps: number }
  | { type: 'pong'; inReplyTo: number };

/** Host and webview wired to each other; messages are delivered asynchronously, as postMessage does. */
function pair() {
  const hostSeen: string[] = [];
  let view!: Endpoint<ViewToHost, HostToView>;
  const host = new Endpoint<HostToView, ViewToHost, 'metric' | 'trainDone' | 'pong'>(
    (m) => setTimeout(() => view.receive(m)),
    { ready: () => void hostSeen.push('ready') },
    ['metric', 'trainDone', 'pong'],
    { cancelMessage: (requestId) => ({ type: 'cancel', requestId }) },
  );
  view = new Endpoint<ViewToHost, HostToView>(
    (m) => setTimeout(() => host.receive(m)),
    {
      ping: (m) => view.send({ type: 'pong', inReplyTo: m.requestId }),
      train: async (m) => {
        const { signal, done } = view.serve(m.requestId);
        let step = 0;
        for (; step < m.steps && !signal.aborted; step++) {
          view.send({ type: 'metric', inReplyTo: m.requestId, step, loss: 1 / (step + 1) });
          await new Promise((r) => setTimeout(r, 5));
        }
        done();
        view.send({ type: 'trainDone', inReplyTo: m.requestId, cancelled: signal.aborted, steps: step });
      },
      cancel: () => undefined,
    },
    [],
    { cancels: (m) => (m.type === 'cancel' ? m.requestId : undefined) },
  );
  return { host, view, hostSeen };
}

test('a request resolves with the reply carrying its id', async () => {
  const { host } = pair();
  const [a, b] = await Promise.all([host.request({ type: 'ping' }, 'pong'), host.request({ type: 'ping' }, 'pong')]);
  assert.equal(a.type, 'pong');
  assert.notEqual(a.inReplyTo, b.inReplyTo);
});

test('a stream delivers every item in order, then its end', async () => {
  const { host } = pair();
  const losses: number[] = [];
  const end = await host.stream({ type: 'train', steps: 4 }, 'metric', 'trainDone', (m) => losses.push(m.loss));
  assert.deepEqual(losses, [1, 1 / 2, 1 / 3, 1 / 4]);
  assert.deepEqual({ cancelled: end.cancelled, steps: end.steps }, { cancelled: false, steps: 4 });
});

test('cancel: the requester rejects at once, the serving side sees its signal abort and stops', async () => {
  const { host, view } = pair();
  const controller = new AbortController();
  const items: number[] = [];
  const sentByView: string[] = [];
  const send = view.send.bind(view);
  view.send = (m) => { sentByView.push(m.type); send(m); };
  const run = host.stream({ type: 'train', steps: 1000 }, 'metric', 'trainDone', (m) => {
    items.push(m.step);
    if (m.step === 2) controller.abort();
  }, controller.signal);
  await assert.rejects(run, CancelledError);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(sentByView.includes('trainDone'), 'the webview ended the run');
  assert.ok(sentByView.filter((t) => t === 'metric').length < 50, `stopped early: ${sentByView.length} messages`);
});

test('closing fails what is still open; unknown and late messages go to onError or are dropped, never thrown', async () => {
  const errors: unknown[] = [];
  const host = new Endpoint<HostToView, ViewToHost, 'metric' | 'trainDone' | 'pong'>(() => undefined, { ready: () => undefined }, ['metric', 'trainDone', 'pong'], { onError: (e) => errors.push(e) });
  const open = host.request({ type: 'ping' }, 'pong');
  host.dispose();
  await assert.rejects(open, CancelledError);
  host.receive({ type: 'pong', inReplyTo: 99 });
  host.receive({ type: 'nonsense' });
  host.receive(null);
  assert.equal(errors.length, 2);
  assert.match(String(errors[0]), /Unknown message type: nonsense/);
});
