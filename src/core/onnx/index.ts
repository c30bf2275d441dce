/**
 * Graph IR + weights -> ONNX, without dependencies: a protobuf writer and op-by-op lowering with PyTorch's
 * eval-mode semantics (opset 13, ops onnxruntime-web's WebGPU EP runs).
 */
export {
  type ActivationOutput,
  type BuildOnnxOptions,
  type FloatTensor,
  BUILDER_VERSION,
  INPUT_NAME,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  OUTPUT_NAME,
  OnnxExportError,
  activationOutputs,
  buildOnnxModel,
} from './build';
export { expectedParams, floatTensors } from './params';
export { ProtoWriter } from './protobuf';
