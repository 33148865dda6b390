import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const INFERENCE_BATCH_SIZE = 'attrition_inference_batch_size';

/** Rows per onnxruntime run: coalesced single predictions, or one batch request. */
export const inferenceBatchSizeProvider = makeHistogramProvider({
  name: INFERENCE_BATCH_SIZE,
  help: 'Rows scored by one ONNX run (coalesced single predictions or one batch)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
});
