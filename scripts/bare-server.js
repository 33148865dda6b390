// The transport's ceiling: a bare Node.js HTTP server that reads and parses the same JSON body
// and answers a small JSON document, with no framework, validation, model or database.
const { createServer } = require('node:http');

const port = Number(process.env.PORT);
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const answer = JSON.stringify({ prediction: 0, probability: 0.5, keys: Object.keys(body.features ?? body).length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
}).listen(port, '127.0.0.1', () => process.send?.('listening'));
