/**
 * No cluster can run here, so the Kubernetes manifests are rendered with kustomize semantics (./kustomize.ts),
 * every object is validated against the Kubernetes and KEDA API schemas, and the references between objects are
 * checked: what a cluster would refuse or silently mis-wire.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { config, repoRoot } from '@storelens/config';
import { JobName, QueueName, queueNames } from '@storelens/contracts';
import { QueueService } from '@storelens/queue';
import { uniqueTestId } from '@storelens/testing';
import { buildEntryPoints } from '../build/build';
import { renderKustomization, strategicMerge, type K8sObject } from './kustomize';

const ROOT = repoRoot();
const K8S = path.join(ROOT, 'deploy/k8s');

type Json = Record<string, any>;
const containersOf = (o: K8sObject): Json[] => (o.spec as Json).template.spec.containers;
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

function validate(objects: K8sObject[]): { kind: string; name: string; error: string | null }[] {
  const out = execFileSync(process.execPath, [path.join(K8S, 'validate.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe.each(['base', 'overlays/production'])('deploy/k8s/%s', (dir) => {
  const objects = renderKustomization(path.join(K8S, dir));
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployments = all('Deployment');
  const byName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  it('validates every object against the Kubernetes and KEDA schemas', () => {
    const results = validate(objects);
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results).toHaveLength(objects.length);
  });

  it('has a Deployment per process, each running a compiled entry point of the one image', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      [
        'analytics',
        'attribute',
        'classification',
        'detection',
        'embedding',
        'gateway',
        'ingest-api',
        'ingest-worker',
      ].sort(),
    );
    const entries = buildEntryPoints(ROOT);
    for (const d of [...deployments, ...all('Job')])
      for (const c of containersOf(d)) {
        expect(entries).toContain(c.args[0]);
        expect(c.image).toMatch(dir === 'base' ? /^storelens$/ : /^registry\.example\.com\/storelens:\d+\.\d+\.\d+$/);
      }
    const role = (name: string) =>
      containersOf(byName('Deployment', name)!)[0].env?.find((e: Json) => e.name === 'INGEST_ROLE')?.value;
    expect([role('ingest-api'), role('ingest-worker')]).toEqual(['api', 'worker']);
  });

  it('gives every container requests and limits and readiness, liveness and startup probes on /health at its port', () => {
    for (const d of deployments)
      for (const c of containersOf(d)) {
        const ports = (c.ports as Json[]).map((p) => p.name);
        for (const r of ['cpu', 'memory']) {
          expect({
            d: d.metadata.name,
            r,
            request: !!c.resources?.requests?.[r],
            limit: !!c.resources?.limits?.[r],
          }).toEqual({
            d: d.metadata.name,
            r,
            request: true,
            limit: true,
          });
        }
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          expect(c[probe]?.httpGet?.path).toBe('/health');
          expect(ports).toContain(c[probe].httpGet.port);
        }
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        expect((d.spec as Json).template.spec.securityContext.runAsNonRoot).toBe(true);
      }
  });

  it('wires Services, the Ingress, PodDisruptionBudgets and ScaledObjects to what exists', () => {
    for (const s of all('Service')) {
      const spec = s.spec as Json;
      const targets = deployments.filter((d) => labelsMatch(spec.selector, (d.spec as Json).template.metadata.labels));
      expect({ service: s.metadata.name, targets: targets.map((d) => d.metadata.name) }).toEqual({
        service: s.metadata.name,
        targets: [s.metadata.name],
      });
      for (const p of spec.ports)
        expect(containersOf(targets[0]).flatMap((c) => c.ports.map((x: Json) => x.name))).toContain(p.targetPort);
    }
    for (const rule of (byName('Ingress', 'storelens')!.spec as Json).rules)
      for (const p of rule.http.paths) {
        const svc = byName('Service', p.backend.service.name);
        expect(svc?.metadata.name).toBe('gateway');
        expect((svc!.spec as Json).ports.map((x: Json) => x.name)).toContain(p.backend.service.port.name);
      }
    for (const d of deployments) {
      const pdbs = all('PodDisruptionBudget').filter((p) =>
        labelsMatch((p.spec as Json).selector.matchLabels, (d.spec as Json).template.metadata.labels),
      );
      expect({ d: d.metadata.name, pdbs: pdbs.length }).toEqual({ d: d.metadata.name, pdbs: 1 });
    }
    for (const so of all('ScaledObject')) {
      const target = byName('Deployment', (so.spec as Json).scaleTargetRef.name);
      expect(target).toBeDefined();
      expect((target!.spec as Json).replicas).toBeUndefined(); // KEDA owns the replica count
      for (const t of (so.spec as Json).triggers)
        expect(byName('TriggerAuthentication', t.authenticationRef.name)).toBeDefined();
    }
    const scaled = all('ScaledObject')
      .map((so) => so.metadata.name)
      .sort();
    expect(scaled).toEqual(
      deployments
        .filter((d) => (d.spec as Json).replicas === undefined)
        .map((d) => d.metadata.name)
        .sort(),
    );
    for (const d of [...deployments, ...all('Job')])
      for (const c of containersOf(d))
        for (const ref of c.envFrom.filter((e: Json) => e.configMapRef))
          expect(byName('ConfigMap', ref.configMapRef.name)).toBeDefined();
  });

  it('scales each worker on its BullMQ wait list, for every queue, with the configured prefix', () => {
    const prefix = (byName('ConfigMap', 'storelens-config')!.data as Json).QUEUE_PREFIX;
    const lists = all('ScaledObject').flatMap((so) =>
      (so.spec as Json).triggers.map((t: Json) => {
        expect(t.type).toBe('redis');
        expect(Number(t.metadata.listLength)).toBeGreaterThan(0);
        return t.metadata.listName as string;
      }),
    );
    expect(lists.sort()).toEqual(queueNames.map((q) => `${prefix}:${q}:wait`).sort());
  });

  it('keeps secrets out: no Secret objects, no secret-looking plain values; Secrets by reference only', () => {
    expect(all('Secret')).toEqual([]);
    const plain: string[] = [];
    for (const cm of all('ConfigMap'))
      for (const k of Object.keys((cm.data as Json) ?? {}))
        if (/SECRET|PASSWORD|TOKEN|_KEY|DATABASE_URL|REDIS_URL/.test(k)) plain.push(k);
    for (const d of [...deployments, ...all('Job')])
      for (const c of containersOf(d)) {
        for (const e of c.env ?? [])
          if (/SECRET|PASSWORD|TOKEN|_KEY|_URL$/.test(e.name) && 'value' in e) plain.push(e.name);
        expect(c.envFrom).toContainEqual({ secretRef: { name: 'storelens-secrets' } });
      }
    expect(plain).toEqual([]);
  });

  it('runs the migrations as a Job with the compiled migration runner', () => {
    const job = byName('Job', 'storelens-migrate')!;
    expect(containersOf(job)[0].args).toEqual(['dist/libs/db/src/migrate.js', 'up']);
  });

  if (dir !== 'base') {
    it('puts everything in the namespace, with the overlay labels on objects and selectors', () => {
      for (const o of objects) {
        expect(o.metadata.namespace).toBe('storelens');
        expect(o.metadata.labels).toMatchObject({
          'app.kubernetes.io/part-of': 'storelens',
          'app.kubernetes.io/instance': 'storelens-production',
        });
      }
      for (const d of deployments)
        expect((d.spec as Json).selector.matchLabels['app.kubernetes.io/instance']).toBe('storelens-production');
      expect((byName('ScaledObject', 'detection')!.spec as Json).maxReplicaCount).toBe(500);
      expect((byName('Deployment', 'ingest-api')!.spec as Json).replicas).toBe(3);
      // a patch merges containers by name: the analytics limits change, its probes stay
      const analytics = containersOf(byName('Deployment', 'analytics')!)[0];
      expect(analytics.resources.limits).toEqual({ cpu: '1', memory: '2Gi' });
      expect(analytics.readinessProbe.httpGet.path).toBe('/health');
    });
  }
});

describe('the schema validation', () => {
  it('refuses what a cluster would refuse', () => {
    const results = validate([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: {
          selector: { matchLabels: {} },
          template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: '80' }] }] } },
        },
      },
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'x' },
        spec: { scaleTargetRef: { name: 'x' }, maxReplicaCount: 'many', triggers: [] },
      },
    ] as unknown as K8sObject[]);
    expect(results.map((r) => r.error)).toEqual([
      expect.stringMatching(/containerPort must be integer/),
      expect.stringMatching(/maxReplicaCount/),
    ]);
  });
});

describe('strategic merge', () => {
  it('merges maps, merges named lists by name, replaces other lists and deletes on null', () => {
    const base = {
      a: 1,
      b: { c: 2, d: 3 },
      containers: [{ name: 'x', image: 'i', env: [{ name: 'A', value: '1' }] }],
      args: ['p', 'q'],
    };
    const patch = {
      b: { d: null, e: 4 },
      containers: [
        { name: 'x', env: [{ name: 'B', value: '2' }] },
        { name: 'y', image: 'j' },
      ],
      args: ['r'],
    };
    expect(strategicMerge(base, patch)).toEqual({
      a: 1,
      b: { c: 2, e: 4 },
      containers: [
        {
          name: 'x',
          image: 'i',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'y', image: 'j' },
      ],
      args: ['r'],
    });
  });
});

describe('the wait-list key KEDA reads (real Redis)', () => {
  it('is where BullMQ keeps the jobs waiting to be taken', async () => {
    const prefix = `k8s-${uniqueTestId()}`;
    const queues = new QueueService({ redisUrl: config().redis.url, prefix });
    const redis = new Redis(config().redis.url);
    try {
      await queues.enqueue(JobName.DetectFaces, { tenantId: randomUUID(), frameId: randomUUID() });
      await queues.enqueue(JobName.DetectFaces, { tenantId: randomUUID(), frameId: randomUUID() });
      expect(await redis.llen(`${prefix}:${QueueName.Detection}:wait`)).toBe(2);
    } finally {
      await queues.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});
