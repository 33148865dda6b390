// Renders each kustomization given on the command line (`kubectl kustomize`) and validates every
// object offline: Kubernetes objects against the OpenAPI schemas of Kubernetes 1.34 bundled in
// kubernetes-models 5.1.0 (required fields, types, enums; unknown fields are not rejected), the
// CloudNativePG Cluster (a CRD those schemas do not cover) against the few fields used here, then
// the fleet rules the service relies on (probes, drain, non-root, read-only root). Also validates
// the stand-alone example files given after `--files`. Exit code 1 and one line per problem on failure.
//   node scripts/deploy/k8s-validate.mjs deploy/k8s/base deploy/k8s/overlays/production --files deploy/k8s/base/secret.example.yaml
// ESM because kubernetes-models is published as ES modules only (jest runs this as a child process).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** Seconds of the preStop sleep plus the app's drain bound must fit in the grace period. */
const SHUTDOWN_ENV = 'SHUTDOWN_TIMEOUT_MS';

const problems = [];
const report = (where, message) => problems.push(`${where}: ${message}`);

function parse(text, source) {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) {
      report(source, doc.errors.map((e) => e.message).join('; '));
      return [];
    }
    const value = doc.toJS();
    return value ? [value] : [];
  });
}

function render(dir) {
  // kubectl's built-in kustomize: v5 in current kubectl, v2 in Debian's kubectl 1.20; the
  // kustomizations use only the forms both read (bases, patchesStrategicMerge, commonLabels).
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parse(out, dir);
}

async function validateSchema(object, where) {
  const { apiVersion, kind } = object;
  if (apiVersion === 'postgresql.cnpg.io/v1' && kind === 'Cluster') return validateCnpgCluster(object, where);
  let group;
  try {
    group = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    return report(where, `unknown apiVersion ${apiVersion}`);
  }
  const Model = group[kind];
  if (typeof Model !== 'function') return report(where, `unknown kind ${kind} in ${apiVersion}`);
  try {
    new Model(object).validate();
  } catch (error) {
    report(where, error.message);
  }
}

/** CloudNativePG's CRD schema is not bundled anywhere on npm: check the fields this project sets. */
function validateCnpgCluster(object, where) {
  const spec = object.spec ?? {};
  if (!object.metadata?.name) report(where, 'metadata.name is required');
  if (!Number.isInteger(spec.instances) || spec.instances < 1) report(where, 'spec.instances must be an integer >= 1');
  if (typeof spec.storage?.size !== 'string') report(where, 'spec.storage.size is required');
  if (spec.bootstrap?.initdb && typeof spec.bootstrap.initdb.database !== 'string') {
    report(where, 'spec.bootstrap.initdb.database must be a string');
  }
}

const containersOf = (object) => object.spec?.template?.spec?.containers ?? [];
const envValue = (container, name) => container.env?.find((e) => e.name === name)?.value;

/** What a rolling restart without a failed request needs from the Deployment. */
function checkFleetRules(objects, source) {
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  if (deployments.length === 0) report(source, 'no Deployment');
  for (const deployment of deployments) {
    const where = `${source} Deployment/${deployment.metadata.name}`;
    const pod = deployment.spec.template.spec;
    if (pod.securityContext?.runAsNonRoot !== true) report(where, 'pod securityContext.runAsNonRoot must be true');
    for (const c of containersOf(deployment)) {
      const at = `${where} container ${c.name}`;
      const port = c.ports?.find((p) => p.containerPort === Number(envValue(c, 'PORT') ?? 3000));
      const probes = { startupProbe: '/health/live', livenessProbe: '/health/live', readinessProbe: '/health/ready' };
      for (const [probe, path] of Object.entries(probes)) {
        const get = c[probe]?.httpGet;
        if (get?.path !== path) report(at, `${probe}.httpGet.path must be ${path}`);
        else if (get.port !== port?.name && get.port !== port?.containerPort) {
          report(at, `${probe}.httpGet.port must be the container's PORT`);
        }
      }
      if (c.securityContext?.readOnlyRootFilesystem !== true) report(at, 'securityContext.readOnlyRootFilesystem must be true');
      if (!c.resources?.requests?.cpu || !c.resources?.limits?.memory) {
        report(at, 'resources.requests.cpu and resources.limits.memory are required (the HPA scales on CPU requests)');
      }
      const sleep = c.lifecycle?.preStop?.exec?.command;
      const sleepSeconds = sleep?.[0] === 'sleep' ? Number(sleep[1]) : c.lifecycle?.preStop?.sleep?.seconds;
      if (!(sleepSeconds > 0)) report(at, 'lifecycle.preStop must sleep a few seconds before SIGTERM');
      const drainSeconds = Number(envValue(c, SHUTDOWN_ENV) ?? 10_000) / 1000;
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      if (!(grace > (sleepSeconds || 0) + drainSeconds)) {
        report(at, `terminationGracePeriodSeconds (${grace}) must exceed preStop (${sleepSeconds}) + ${SHUTDOWN_ENV} (${drainSeconds} s)`);
      }
      if (envValue(c, 'DATABASE_MIGRATIONS_RUN') !== 'false') report(at, 'DATABASE_MIGRATIONS_RUN must be "false": the Job migrates');
      if (!c.env?.some((e) => e.name === 'DATABASE_URL' && e.valueFrom?.secretKeyRef)) {
        report(at, 'DATABASE_URL must come from a Secret');
      }
    }
  }
  for (const kind of ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Job', 'NetworkPolicy']) {
    if (!objects.some((o) => o.kind === kind)) report(source, `no ${kind}`);
  }
}

const args = process.argv.slice(2);
const split = args.indexOf('--files');
const dirs = split < 0 ? args : args.slice(0, split);
const files = split < 0 ? [] : args.slice(split + 1);
const summary = [];
for (const dir of dirs) {
  let objects;
  try {
    objects = render(dir);
  } catch (error) {
    report(dir, `kubectl kustomize failed: ${error.stderr || error.message}`);
    continue;
  }
  for (const object of objects) await validateSchema(object, `${dir} ${object.kind}/${object.metadata?.name}`);
  checkFleetRules(objects, dir);
  summary.push(`${dir}: ${objects.length} objects (${objects.map((o) => o.kind).join(', ')})`);
}
for (const file of files) {
  const objects = parse(readFileSync(file, 'utf8'), file);
  for (const object of objects) await validateSchema(object, `${file} ${object.kind}/${object.metadata?.name}`);
  summary.push(`${file}: ${objects.length} objects`);
}
console.log(summary.join('\n'));
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
