// The JavaScript SDK without an engine: emits, state, errors with their reasons and stacks, batches, logs, and the
// server speaking the remote protocol over loopback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Environment, Function, Undecodable } from '../eddy.mjs';
import { makeServer } from '../serve.mjs';
import { FunctionTester } from '../testing.mjs';

const readings = {
  async handle(event, ctx) {
    const reading = event.value;
    if (!('celsius' in reading)) throw new Undecodable(`no celsius in ${JSON.stringify(reading)}`);
    if (reading.celsius > (ctx.config.threshold ?? 30)) {
      ctx.log.info('hot:', reading.device);
      ctx.emit(reading, { output: 'alerts', key: reading.device });
    }
    ctx.emit({ ...reading, fahrenheit: (reading.celsius * 9) / 5 + 32 });
  },
};

test('emits to the default output and a named one, with the lines logged', async () => {
  const tester = await FunctionTester.open(readings, { config: { threshold: 30 } });
  await tester.send({ device: 'd-1', celsius: 35 }, { key: 'd-1' });
  await tester.send({ device: 'd-2', celsius: 20 }, { key: 'd-2' });
  assert.deepEqual(tester.emitted(), [{ device: 'd-1', celsius: 35, fahrenheit: 95 }, { device: 'd-2', celsius: 20, fahrenheit: 68 }]);
  assert.deepEqual(tester.emitted('alerts'), [{ device: 'd-1', celsius: 35 }]);
  assert.deepEqual(tester.logs, [{ level: 'INFO', message: 'hot: d-1' }]);
});

test('an error fails its event alone, with its type, stack and reason', async () => {
  const tester = await FunctionTester.open(readings);
  const bad = await tester.send({ device: 'd-1' });
  await tester.send({ device: 'd-2', celsius: 1 });
  assert.equal(bad.reason, 'UNDECODABLE');
  assert.equal(bad.retry, false);
  assert.equal(bad.error, 'Undecodable: no celsius in {"device":"d-1"}');
  assert.match(bad.stack, /eddy\.test\.mjs/);
  assert.equal(tester.failures.length, 1);
  assert.equal(tester.emitted().length, 1);
});

test('keeps each key\'s state between calls, and refuses a value not declared', async () => {
  const counter = {
    open(env) { this.step = env.config.step; },
    handle(event, ctx) {
      const count = ctx.state.get('count', 0) + counter.step;
      ctx.state.set('count', count);
      ctx.emit({ key: event.key, count });
    },
  };
  const tester = await FunctionTester.open(counter, { config: { step: 2 }, state: ['count'] });
  for (const key of ['a', 'b', 'a', 'a']) await tester.send({}, { key });
  assert.deepEqual(tester.state('a'), { count: 6 });
  assert.deepEqual(tester.emitted().map((out) => out.count), [2, 2, 4, 6]);
  const other = await FunctionTester.open({ handle(event, ctx) { ctx.state.set('other', 1); } }, { state: ['count'] });
  assert.match((await other.send({}, { key: 'k' })).error, /state value 'other' is not declared/);
});

test('a batch handler emits per event and fails one alone', async () => {
  const tester = await FunctionTester.open({
    handleBatch(events, ctx) {
      for (const event of events) {
        if (event.value < 0) ctx.fail(event, new RangeError(`negative: ${event.value}`));
        else ctx.emit(event.value * 10, { of: event });
      }
    },
  });
  const results = await tester.sendBatch([1, -2, 3]);
  assert.deepEqual(results.map((r) => (r.emits ?? []).map((e) => e.value)), [[10], [], [30]]);
  assert.equal(results[1].error, 'RangeError: negative: -2');
});

test('a missing secret is named with those given', () => {
  const env = new Environment({ functionName: 'f', secrets: { token: 't' } });
  assert.throws(() => env.secret('password'), /no secret 'password'.*\["token"\]/);
});

test('the server answers a batch per event over HTTP', async () => {
  const server = makeServer(new Function(readings, new Environment({ functionName: 'readings' })));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${server.address().port}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ function: 'readings', attempt: 1, events: [{ key: 'd-1', value: { device: 'd-1', celsius: 35 } }, { key: 'd-2', value: { device: 'd-2' } }] }),
    });
    const { results } = await response.json();
    assert.deepEqual(results[0].emits.map((e) => e.output), ['alerts', 'default']);
    assert.equal(results[1].reason, 'UNDECODABLE');
  } finally {
    server.close();
  }
});
