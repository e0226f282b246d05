// node serve.mjs --handler ./index.mjs: serves a function over Eddy's remote protocol on 127.0.0.1.
//
// The engine starts it for a function with runtime: node; it can also be run by hand (then give the function
// remote.url). From the command line or the environment the engine gives: --handler (EDDY_HANDLER, a module file,
// relative to --dir / EDDY_DIR), --port (EDDY_PORT; 0 takes a free one), EDDY_FUNCTION, EDDY_VERSION, EDDY_CONFIG and
// EDDY_SECRETS (JSON objects), EDDY_STATE_VALUES (a JSON list). Once open() has run it prints
// "EDDY-LISTENING <port>"; when the import or open() fails it prints the error with its stack and exits with 3.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Environment, Function, eventOf } from './eddy.mjs';

const OPEN_FAILED = 3;

export function makeServer(fn, declared = null) {
  return http.createServer((req, res) => {
    const answer = (status, body) => {
      const data = Buffer.from(JSON.stringify(body));
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
      res.end(data);
    };
    if (req.method === 'GET') {
      answer(req.url === '/health' ? 200 : 404, { function: fn.env.functionName });
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      let request;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        answer(400, { error: `not a request of Eddy's remote protocol: ${error.message}` });
        return;
      }
      const raw = request.events ?? [];
      const stateful = raw.some((event) => Object.hasOwn(event, 'state'));
      const results = await fn.call(raw.map(eventOf), {
        attempt: request.attempt ?? 1,
        deadline: request.deadline ? new Date(request.deadline) : null,
        states: stateful ? raw.map((event) => event.state ?? {}) : null,
        declared,
      });
      answer(200, { results });
    });
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      handler: { type: 'string', default: process.env.EDDY_HANDLER },
      dir: { type: 'string', default: process.env.EDDY_DIR ?? process.cwd() },
      port: { type: 'string', default: process.env.EDDY_PORT ?? '0' },
    },
  });
  if (!values.handler) {
    process.stderr.write('give the handler: --handler ./index.mjs (or EDDY_HANDLER)\n');
    process.exit(2);
  }
  const env = new Environment({
    functionName: process.env.EDDY_FUNCTION ?? values.handler,
    version: process.env.EDDY_VERSION ?? '0',
    config: JSON.parse(process.env.EDDY_CONFIG ?? '{}'),
    secrets: JSON.parse(process.env.EDDY_SECRETS ?? '{}'),
  });
  const declared = process.env.EDDY_STATE_VALUES ? JSON.parse(process.env.EDDY_STATE_VALUES) : null;
  let fn;
  try {
    const module = await import(pathToFileURL(path.resolve(values.dir, values.handler)).href);
    fn = new Function(module, env);
    await fn.open();
  } catch (error) {
    process.stderr.write(`EDDY-OPEN-FAILED the handler ${values.handler} could not be loaded and opened:\n${error?.stack ?? error}\n`);
    process.exit(OPEN_FAILED);
  }
  const server = makeServer(fn, declared);
  server.keepAliveTimeout = 60_000;
  server.listen(Number(values.port), '127.0.0.1', () => {
    process.stdout.write(`EDDY-LISTENING ${server.address().port}\n`);
  });
  // Stopped by the engine with SIGTERM: the batches in hand are answered, then close() runs.
  process.on('SIGTERM', () => server.close(async () => { await fn.close(); process.exit(0); }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
