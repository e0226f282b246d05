// Eddy functions in JavaScript (Node.js 20+): what a call sees, and how a module's handler is called.
//
//   export async function handle(event, ctx) {
//     if (event.value.celsius > 30) ctx.emit(event.value, { output: 'alerts' });
//     ctx.emit({ ...event.value, fahrenheit: event.value.celsius * 9 / 5 + 32 });
//   }
//
// A module may also export open(env) (once, before the first event), close(), and handleBatch(events, ctx) in place
// of handle. Eddy runs it (runtime: node in function.yaml) through serve.mjs; testing.mjs runs it in a test. Only
// Node's own modules are used.

export const DEFAULT_OUTPUT = 'default';

/** An error raised on purpose; its reason says what becomes of the event. */
export class EddyError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }

  get reason() { return 'HANDLER_FAILED'; }
  get retry() { return true; }
}

/** The event cannot be understood: dead-lettered at once as UNDECODABLE, never retried. */
export class Undecodable extends EddyError {
  get reason() { return 'UNDECODABLE'; }
  get retry() { return false; }
}

/** A key's state values by the names the manifest declares; changes are written when the call succeeds. */
export class State {
  #values; #declared; #changed = new Map();

  constructor(values, declared) {
    this.#values = { ...(values ?? {}) };
    this.#declared = declared ? new Set(declared) : null;
  }

  get(name, fallback = undefined) {
    this.#check(name);
    const value = this.#changed.has(name) ? this.#changed.get(name) : this.#values[name];
    return value === null || value === undefined ? fallback : value;
  }

  set(name, value) { this.#check(name); this.#changed.set(name, value); }

  clear(name) { this.#check(name); this.#changed.set(name, null); }

  changes() { return Object.fromEntries(this.#changed); }

  #check(name) {
    if (this.#declared && !this.#declared.has(name)) {
      throw new Error(`state value '${name}' is not declared; the manifest declares ${JSON.stringify([...this.#declared].sort())}`);
    }
  }
}

/** What a function is given once: name, version, config, secrets, and a logger. */
export class Environment {
  constructor({ functionName, version = '0', config = {}, secrets = {} }) {
    this.functionName = functionName;
    this.version = version;
    this.config = { ...config };
    this._secrets = { ...secrets };
    this.log = consoleLog(functionName);
  }

  secret(name) {
    if (!(name in this._secrets)) {
      throw new Error(`no secret '${name}' is given to function '${this.functionName}'; given: ${JSON.stringify(Object.keys(this._secrets).sort())}`);
    }
    return this._secrets[name];
  }
}

function consoleLog(functionName) {
  const line = (level) => (...parts) => process.stderr.write(`${level} eddy.function.${functionName} - ${parts.join(' ')}\n`);
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARNING'), error: line('ERROR') };
}

function callLog(lines) {
  const line = (level) => (...parts) => lines.push({ level, message: parts.map(String).join(' ') });
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARNING'), error: line('ERROR') };
}

function emitOf(value, { output = DEFAULT_OUTPUT, key, headers } = {}, hasKey) {
  const emit = { output, value };
  if (hasKey) emit.key = key;
  if (headers !== undefined) emit.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  return emit;
}

/** One call: the environment, emit, the key's state, attempt and deadline; the lines it logs go with its result. */
export class Context {
  constructor(env, { attempt = 1, deadline = null, state = null, lines = [] } = {}) {
    this.functionName = env.functionName;
    this.version = env.version;
    this.config = env.config;
    this.secret = (name) => env.secret(name);
    this.attempt = attempt;
    this.deadline = deadline;
    this.emits = [];
    this.log = callLog(lines);
    this._state = state;
  }

  get state() {
    if (!this._state) {
      throw new Error(`function '${this.functionName}' has no keyed state: declare it in function.yaml (state: {values: [name, ...]})`);
    }
    return this._state;
  }

  /** Emits a record to an output (default unless named); the input's key and headers unless given. */
  emit(value, options = {}) {
    this.emits.push(emitOf(value, options, Object.hasOwn(options, 'key')));
  }
}

/** A failed event's result: message, type, stack, and what becomes of it. */
export function errorJson(error) {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    error: `${err.name}: ${err.message}`,
    type: err.name,
    stack: err.stack ?? String(err),
    reason: err.reason ?? 'HANDLER_FAILED',
    retry: err.retry ?? true,
  };
}

/** A loaded handler module: calls it per event or per batch, and makes the protocol's results. */
export class Function {
  constructor(module, env) {
    this.module = module;
    this.env = env;
    if (typeof module.handle !== 'function' && typeof module.handleBatch !== 'function') {
      throw new TypeError('the module exports neither handle(event, ctx) nor handleBatch(events, ctx)');
    }
  }

  async open() { if (typeof this.module.open === 'function') await this.module.open(this.env); }

  async close() { if (typeof this.module.close === 'function') await this.module.close(); }

  /** One result per event: its emits (and state changes), or its error. */
  async call(events, { attempt = 1, deadline = null, states = null, declared = null } = {}) {
    if (typeof this.module.handleBatch === 'function' && !states) return this.#callBatch(events, attempt, deadline);
    const results = [];
    for (let i = 0; i < events.length; i++) {
      const lines = [];
      const state = states ? new State(states[i], declared) : null;
      const ctx = new Context(this.env, { attempt, deadline, state, lines });
      let result;
      try {
        await this.module.handle(events[i], ctx);
        result = { emits: ctx.emits };
        if (state) result.state = state.changes();
      } catch (error) {
        result = errorJson(error);
        lines.push({ level: 'ERROR', message: result.error });
      }
      if (lines.length) result.logs = lines;
      results.push(result);
    }
    return results;
  }

  async #callBatch(events, attempt, deadline) {
    const lines = [];
    const perEvent = events.map(() => []);
    const failed = new Map();
    const ctx = new Context(this.env, { attempt, deadline, lines });
    const position = (event) => {
      const index = events.indexOf(event);
      if (index < 0) throw new Error("the event is not one of this batch's");
      return index;
    };
    ctx.emit = (value, options = {}) => {
      perEvent[options.of ? position(options.of) : 0].push(emitOf(value, options, Object.hasOwn(options, 'key')));
    };
    ctx.fail = (event, error) => failed.set(position(event), error);
    let results;
    try {
      await this.module.handleBatch(events, ctx);
      results = perEvent.map((emits, i) => (failed.has(i) ? errorJson(failed.get(i)) : { emits }));
    } catch (error) {
      results = events.map(() => errorJson(error));
      lines.push({ level: 'ERROR', message: results[0]?.error ?? String(error) });
    }
    if (lines.length && results.length) results[0].logs = lines;
    return results;
  }
}

/** An event of the protocol's request, as a handler sees it. */
export function eventOf(raw) {
  return Object.freeze({
    key: raw.key ?? null,
    value: raw.value ?? null,
    headers: raw.headers ?? {},
    topic: raw.topic ?? null,
    partition: raw.partition ?? null,
    offset: raw.offset ?? null,
    timestamp: raw.timestamp ?? null,
    get isTombstone() { return this.value === null; },
  });
}
