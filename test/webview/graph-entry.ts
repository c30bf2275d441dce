// A page for test/webview/backward-webgpu.test.ts: runs ONNX graphs (fetched by URL) on onnxruntime-web's WebGPU
// backend with verbose placement logging, returning the outputs asked for.
import * as ortGpu from 'onnxruntime-web/webgpu';
import { chooseBackend, configureRuntime } from '../../webview/ui/backend';

interface GraphJob {
  url: string;
  feeds: Record<string, { data: number[]; dims: number[] }>;
  outputs: string[];
}

async function runGraph(job: GraphJob): Promise<Record<string, number[]>> {
  configureRuntime({ wasm: '/dist/ort/ort-wasm-simd-threaded.wasm', webgpu: '/dist/ort/ort-wasm-simd-threaded.asyncify.wasm' });
  ortGpu.env.logLevel = 'verbose';
  const choice = await chooseBackend('webgpu', true);
  if (choice.backend !== 'webgpu') throw new Error(`no WebGPU: ${choice.reason} ${choice.detail ?? ''}`);
  const onnx = new Uint8Array(await (await fetch(job.url)).arrayBuffer());
  const session = await ortGpu.InferenceSession.create(onnx, { executionProviders: ['webgpu'], logSeverityLevel: 0, logVerbosityLevel: 0 });
  try {
    const feeds: Record<string, ortGpu.Tensor> = {};
    for (const [k, v] of Object.entries(job.feeds)) feeds[k] = new ortGpu.Tensor('float32', Float32Array.from(v.data), v.dims);
    const out = await session.run(feeds);
    return Object.fromEntries(job.outputs.map((k) => [k, Array.from(out[k].data as Float32Array)]));
  } finally {
    await session.release();
  }
}

(window as unknown as { runGraph: typeof runGraph }).runGraph = runGraph;
