// onnxruntime-node creates its output tensors with the process's own typed-array constructors; jest's sandbox
// has different ones, so `instanceof Float32Array` fails inside tests. Share the real constructors with the sandbox.
const { TestEnvironment } = require('jest-environment-node');

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
      'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer']) {
      this.global[name] = globalThis[name];
    }
  }
}
module.exports = SharedTypedArrayEnvironment;
