// Validates Kubernetes and KEDA objects against their API schemas (kubernetes-models, @kubernetes-models/keda).
// Both packages are ES modules only, so the tests run this file with node: objects as a JSON array on stdin,
// one line of JSON out: [{ kind, name, error }] with error null when the object is valid.
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';

const models = {
  'apps/v1': apps,
  'batch/v1': batch,
  v1: core,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
  'keda.sh/v1alpha1': keda,
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((o) => {
  const Model = models[o.apiVersion]?.[o.kind];
  if (!Model) return { kind: o.kind, name: o.metadata?.name, error: `no schema for ${o.apiVersion} ${o.kind}` };
  try {
    new Model(o).validate();
    return { kind: o.kind, name: o.metadata.name, error: null };
  } catch (err) {
    return { kind: o.kind, name: o.metadata?.name, error: err.message };
  }
});
process.stdout.write(JSON.stringify(results) + '\n');
