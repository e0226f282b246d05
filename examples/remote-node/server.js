// An Eddy remote function in plain Node.js (no framework, no dependencies).
//
// Eddy POSTs a batch of events as JSON; this answers, per event, what to emit or why the event failed.
// The function: a temperature reading {"device": "d-1", "celsius": 21.5} becomes
// {"device": "d-1", "celsius": 21.5, "fahrenheit": 70.7} on the default output, and readings above
// THRESHOLD (°C, default 30) also go to the "alerts" output. A reading without a numeric celsius fails.
// When the manifest declares keyed state (state.values: [count]), each event arrives with its key's state and the
// function counts the device's readings: "count" is added to the reading and given back as the new state.
//
// Run: node server.js [port]   (port 0 picks a free one; the chosen port is printed as "listening on <port>")
'use strict';

const http = require('node:http');

const THRESHOLD = Number(process.env.THRESHOLD ?? 30);
const MAX_BODY = 16 * 1024 * 1024;

function handle(event) {
  const reading = event.value;
  if (reading === null || typeof reading !== 'object' || typeof reading.celsius !== 'number') {
    return { error: `not a reading: expected {"device": <text>, "celsius": <number>}, got ${JSON.stringify(reading)}` };
  }
  const fahrenheit = Math.round((reading.celsius * 9 / 5 + 32) * 100) / 100;
  const checked = { ...reading, fahrenheit };
  const result = { emits: [{ output: 'default', value: checked }] };
  if (event.state) {
    checked.count = (event.state.count ?? 0) + 1;
    result.state = { count: checked.count };
  }
  if (reading.celsius > THRESHOLD) {
    result.emits.push({ output: 'alerts', value: { device: reading.device, celsius: reading.celsius, threshold: THRESHOLD } });
  }
  return result;
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'POST' }).end('POST a batch of events\n');
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      res.writeHead(413, { 'Content-Type': 'text/plain' }).end('batch too large\n');
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    let batch;
    try {
      batch = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`not JSON: ${e.message}\n`);
      return;
    }
    if (!Array.isArray(batch.events)) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('expected {"events": [...]}\n');
      return;
    }
    const results = batch.events.map(handle);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ results }));
  });
});

const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
