import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry, register } from 'prom-client';

/** One worker's metrics, as Registry.getMetricsAsJSON gives them. */
type WorkerMetrics = object[];

/** A worker asks the primary for the whole cluster's metrics; the primary answers with the text. */
const SCRAPE = 'attrition:metrics-scrape';
const SCRAPED = 'attrition:metrics-scraped';
/** The primary asks each serving worker for its own metrics; each answers with them as JSON. */
const COLLECT = 'attrition:metrics-collect';
const COLLECTED = 'attrition:metrics-collected';

/** Longest wait for every worker's metrics before the scrape fails (Prometheus then retries). */
const COLLECT_TIMEOUT_MS = 3000;

interface Message {
  cmd?: string;
  id?: number;
  text?: string;
  error?: string;
  metrics?: WorkerMetrics;
}

/** Whether this process is one worker among several, whose /metrics must speak for all. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/**
 * In the cluster primary: answers a worker's scrape with the metrics of every serving worker,
 * summed by prom-client's AggregatorRegistry (each metric's `aggregator`: counters and histograms
 * add up; gauges that every worker holds alike say `max` or `average`). A worker still starting
 * has served nothing and is not asked; one that does not answer in time fails the scrape.
 */
export function serveClusterMetrics(serving: () => Iterable<Worker>): void {
  let nextId = 0;
  const collections = new Map<number, (worker: Worker, metrics: WorkerMetrics) => void>();

  const collect = (): Promise<string> => {
    const id = nextId++;
    const workers = [...serving()].filter((w) => w.isConnected());
    return new Promise<string>((resolve, reject) => {
      const answers = new Map<Worker, WorkerMetrics>();
      const timer = setTimeout(() => {
        collections.delete(id);
        reject(new Error(`${workers.length - answers.size} worker(s) sent no metrics within ${COLLECT_TIMEOUT_MS} ms`));
      }, COLLECT_TIMEOUT_MS);
      const settle = () => {
        clearTimeout(timer);
        collections.delete(id);
        AggregatorRegistry.aggregate([...answers.values()]).metrics().then(resolve, reject);
      };
      collections.set(id, (worker, metrics) => {
        answers.set(worker, metrics);
        if (answers.size === workers.length) settle();
      });
      if (workers.length === 0) settle();
      for (const w of workers) w.send({ cmd: COLLECT, id });
    });
  };

  cluster.on('message', (worker: Worker, message: Message) => {
    if (message?.cmd === COLLECTED && message.id !== undefined) {
      collections.get(message.id)?.(worker, message.metrics ?? []);
    } else if (message?.cmd === SCRAPE && message.id !== undefined) {
      const reply = (answer: Omit<Message, 'cmd' | 'id'>) => worker.isConnected() && worker.send({ cmd: SCRAPED, id: message.id, ...answer });
      collect().then(
        (text) => reply({ text }),
        (error: Error) => reply({ error: error.message }),
      );
    }
  });
}

let scrapes: Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }> | undefined;
let nextScrape = 0;

/** In a worker: answers the primary's collections with this process's metrics. Idempotent. */
export function answerMetricsCollections(): void {
  if (scrapes || !isClusterWorker()) return;
  const pending = (scrapes = new Map());
  process.on('message', (message: Message) => {
    if (message?.cmd === COLLECT) {
      register.getMetricsAsJSON().then(
        (metrics) => process.send?.({ cmd: COLLECTED, id: message.id, metrics }),
        () => process.send?.({ cmd: COLLECTED, id: message.id, metrics: [] }),
      );
    } else if (message?.cmd === SCRAPED && message.id !== undefined) {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.text ?? '');
    }
  });
}

/** In a worker: the metrics of the whole cluster, in Prometheus's text format, via the primary. */
export function scrapeCluster(): Promise<string> {
  answerMetricsCollections();
  const id = nextScrape++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      scrapes!.delete(id);
      reject(new Error('The cluster primary did not answer the metrics scrape'));
    }, COLLECT_TIMEOUT_MS + 1000);
    scrapes!.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (error) => (clearTimeout(timer), reject(error)),
    });
    process.send!({ cmd: SCRAPE, id });
  });
}
