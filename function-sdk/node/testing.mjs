// Runs an Eddy function in a test, without an engine: events in; emits, state, logs and failures out.
//
//   import { FunctionTester } from '@eddy/function/testing';
//   import * as readings from '../index.mjs';
//   const tester = await FunctionTester.open(readings);
//   await tester.send({ device: 'd-1', celsius: 35 }, { key: 'd-1' });
//   assert.deepEqual(tester.emitted('alerts'), [{ device: 'd-1', celsius: 35 }]);
import { Environment, Function, eventOf } from './eddy.mjs';

export class FunctionTester {
  #fn; #declared; #state = new Map();
  sent = [];

  constructor(fn, declared) { this.#fn = fn; this.#declared = declared; }

  /** The module's function, opened with its config and secrets; state: the value names it declares, if any. */
  static async open(module, { name = 'function-under-test', version = '0', config = {}, secrets = {}, state = null } = {}) {
    const fn = new Function(module, new Environment({ functionName: name, version, config, secrets }));
    await fn.open();
    return new FunctionTester(fn, state);
  }

  /** Runs one event; answers its result ({emits} or {error, reason, stack}). */
  async send(value, { key = null, headers = {}, topic = 'in', attempt = 1 } = {}) {
    const event = eventOf({ key, value, headers, topic, partition: 0, offset: this.sent.length });
    const states = this.#declared ? [this.#state.get(key) ?? {}] : null;
    const [result] = await this.#fn.call([event], { attempt, states, declared: this.#declared });
    if (result.state) {
      const merged = { ...(this.#state.get(key) ?? {}), ...result.state };
      this.#state.set(key, Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null)));
    }
    this.sent.push(result);
    return result;
  }

  /** Runs the values as one batch. */
  async sendBatch(values, { key = null } = {}) {
    const events = values.map((value, i) => eventOf({ key, value, topic: 'in', partition: 0, offset: this.sent.length + i }));
    const results = await this.#fn.call(events);
    this.sent.push(...results);
    return results;
  }

  emitted(output = 'default') {
    return this.sent.flatMap((result) => (result.emits ?? []).filter((e) => e.output === output).map((e) => e.value));
  }

  state(key) { return { ...(this.#state.get(key) ?? {}) }; }

  get failures() { return this.sent.filter((result) => 'error' in result); }

  get logs() { return this.sent.flatMap((result) => result.logs ?? []); }

  async close() { await this.#fn.close(); }
}
