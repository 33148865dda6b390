// The HTTP stack's floor: reads and JSON.parses the same body as the service and answers a small
// JSON document, with no validation, model, database, logging or metrics, on one of
// FLOOR = node (bare node:http) | express (Express 5 + express.json) | nest-express (NestJS 11 on
// @nestjs/platform-express, the service's stack) | nest-fastify (NestJS 11 on @nestjs/platform-fastify,
// measured only to say what another adapter would give; the service stays on Express).
// Started by npm run bench (BENCH_FLOORS); alone: PORT=3440 FLOOR=express npm run bench:floor.
// Env: PORT (required), FLOOR (default node). Sends 'listening' over IPC when forked.

// --help: this header comment (JavaScript, so not through bench-support's exitOnHelp).
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const header = /^(?:\/\/.*\n)+/.exec(require('node:fs').readFileSync(__filename, 'utf8'))[0];
  process.stdout.write(header.replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
require('reflect-metadata');

const port = Number(process.env.PORT);
const FLOOR = process.env.FLOOR ?? 'node';
/** Room for the bench's 1,000-item batch body. */
const BODY_LIMIT = 8 * 1024 * 1024;
const answer = (body) => ({ prediction: 0, probability: 0.5, keys: Object.keys(body?.features ?? body ?? {}).length });
const ready = () => process.send?.('listening');

function nodeFloor() {
  require('node:http')
    .createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const text = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    })
    .listen(port, '127.0.0.1', ready);
}

function expressFloor() {
  const express = require('express');
  const app = express();
  app.set('etag', false);
  app.use(express.json({ limit: BODY_LIMIT }));
  app.post('/', (req, res) => res.json(answer(req.body)));
  app.listen(port, '127.0.0.1', ready);
}

/** One controller, one POST route returning the answer, no global pipe, filter or middleware. */
async function nestFloor(platform) {
  const { Body, Controller, HttpCode, Module, Post } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  class FloorController {
    predict(body) {
      return answer(body);
    }
  }
  const method = Object.getOwnPropertyDescriptor(FloorController.prototype, 'predict');
  Body()(FloorController.prototype, 'predict', 0);
  Reflect.decorate([Post(), HttpCode(200)], FloorController.prototype, 'predict', method);
  Reflect.decorate([Controller()], FloorController);
  class FloorModule {}
  Reflect.decorate([Module({ controllers: [FloorController] })], FloorModule);
  let app;
  if (platform === 'fastify') {
    const { FastifyAdapter } = require('@nestjs/platform-fastify');
    app = await NestFactory.create(FloorModule, new FastifyAdapter({ bodyLimit: BODY_LIMIT }), { logger: false });
  } else {
    app = await NestFactory.create(FloorModule, { logger: false, bodyParser: false });
    app.set('etag', false);
    app.useBodyParser('json', { limit: BODY_LIMIT });
  }
  await app.listen(port, '127.0.0.1');
  ready();
}

const floors = { node: nodeFloor, express: expressFloor, 'nest-express': () => nestFloor('express'), 'nest-fastify': () => nestFloor('fastify') };
if (!floors[FLOOR]) throw new Error(`FLOOR must be one of ${Object.keys(floors).join(', ')}`);
void floors[FLOOR]();
