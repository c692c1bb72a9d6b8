/**
 * Renders a kustomization the way `kustomize build` does, for the subset these manifests use: `resources` (files
 * and directories with their own kustomization), `patches` (strategic merge, the target named by the patch's
 * kind and metadata.name), `images`, `namespace` and `commonLabels`. Anything else in a kustomization is an error,
 * never silently ignored. No kubectl or kustomize binary is guaranteed where the tests run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  patches?: { path: string }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  namespace?: string;
  commonLabels?: Record<string, string>;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images', 'namespace', 'commonLabels']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readYamlObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/**
 * Strategic merge of `patch` into `base`: maps merge key by key, `null` deletes, lists of named items (containers,
 * env, ports, volumes) merge item by item on `name`, other lists are replaced.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    if ('$patch' in patch) throw new Error('$patch directives are not supported');
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v) : v;
    }
    return out;
  }
  const named = (l: unknown): l is Json[] =>
    Array.isArray(l) && l.every((x) => isObject(x) && typeof x.name === 'string');
  if (named(base) && named(patch)) {
    const out = base.map((item) => {
      const p = patch.find((x) => x.name === item.name);
      return p ? (strategicMerge(item, p) as Json) : item;
    });
    for (const p of patch) if (!base.some((x) => x.name === p.name)) out.push(p);
    return out;
  }
  return patch;
}

const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;

function podSpecs(o: K8sObject): Json[] {
  const template = (o.spec as Json | undefined)?.template as Json | undefined;
  const spec = template?.spec;
  return isObject(spec) ? [spec] : [];
}

function setImages(o: K8sObject, images: NonNullable<Kustomization['images']>): void {
  for (const spec of podSpecs(o))
    for (const c of [...((spec.containers as Json[]) ?? []), ...((spec.initContainers as Json[]) ?? [])]) {
      const image = String(c.image);
      const name = image.split('@')[0].replace(/:[^:/]+$/, '');
      const rule = images.find((i) => i.name === name);
      if (!rule) continue;
      const tag = rule.digest ? `@${rule.digest}` : rule.newTag ? `:${rule.newTag}` : image.slice(name.length);
      c.image = `${rule.newName ?? name}${tag}`;
    }
}

/** Where kustomize puts commonLabels besides metadata.labels (its default field specs, for our kinds). */
function setCommonLabels(o: K8sObject, labels: Record<string, string>): void {
  o.metadata.labels = { ...o.metadata.labels, ...labels };
  const spec = o.spec as Json | undefined;
  if (!spec) return;
  const add = (holder: Json, field: string, create: boolean) => {
    if (!isObject(holder[field]) && !create) return;
    holder[field] = { ...(holder[field] as Json | undefined), ...labels };
  };
  if (o.kind === 'Service') add(spec, 'selector', false);
  if (['Deployment', 'PodDisruptionBudget', 'Job'].includes(o.kind) && isObject(spec.selector))
    add(spec.selector, 'matchLabels', o.kind !== 'Job');
  if (['Deployment', 'Job'].includes(o.kind) && isObject(spec.template)) {
    const template = spec.template as Json;
    template.metadata = isObject(template.metadata) ? template.metadata : {};
    add(template.metadata as Json, 'labels', true);
  }
}

/** `kustomize build <dir>` for the supported subset. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = readYamlObjects(file)[0] as unknown as Kustomization;
  const unknown = Object.keys(k).filter((f) => !SUPPORTED.has(f));
  if (unknown.length) throw new Error(`${file}: unsupported fields ${unknown.join(', ')}`);

  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    if (!existsSync(p)) throw new Error(`${file}: resource ${r} does not exist`);
    objects.push(...(statSync(p).isDirectory() ? renderKustomization(p) : readYamlObjects(p)));
  }
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(key(o))) throw new Error(`${file}: ${key(o)} is defined twice`);
    seen.add(key(o));
  }
  for (const { path: patchPath } of k.patches ?? []) {
    for (const patch of readYamlObjects(path.join(dir, patchPath))) {
      const i = objects.findIndex((o) => key(o) === key(patch));
      if (i < 0) throw new Error(`${patchPath}: no ${key(patch)} to patch`);
      objects[i] = strategicMerge(objects[i], patch) as K8sObject;
    }
  }
  objects = objects.map((o) => structuredClone(o));
  for (const o of objects) {
    if (k.images) setImages(o, k.images);
    if (k.namespace) o.metadata.namespace = k.namespace;
    if (k.commonLabels) setCommonLabels(o, k.commonLabels);
  }
  return objects;
}
