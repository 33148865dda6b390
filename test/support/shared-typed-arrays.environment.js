// Jest runs each test file in its own VM realm, so the typed arrays that onnxruntime-node's native
// binding creates (host realm) fail onnxruntime-common's `instanceof Float64Array` check (test
// realm): "A float64 tensor's data must be type of function Float64Array()". Sharing the host's
// constructors with the test realm removes the mismatch. See jestjs/jest#2549 (realm globals) and
// tensorflow/tfjs#7175 (the same symptom with another native binding).
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
  'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
