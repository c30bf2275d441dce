// Types for the two decoder packages that ship none (jpeg-js's own index.d.ts covers index.js, not the decoder alone).
declare module 'jpeg-js/lib/decoder.js' {
  interface JpegDecodeOptions {
    useTArray?: boolean;
    colorTransform?: boolean;
    formatAsRGBA?: boolean;
    tolerantDecoding?: boolean;
    maxResolutionInMP?: number;
    maxMemoryUsageInMB?: number;
  }
  function decode(data: Uint8Array, options?: JpegDecodeOptions): { width: number; height: number; data: Uint8Array };
  export = decode;
}

declare module 'omggif' {
  interface GifFrameInfo {
    x: number;
    y: number;
    width: number;
    height: number;
    transparent_index: number | null;
    interlaced: boolean;
    /** Where the frame's LZW data starts (its minimum code size byte). */
    data_offset: number;
  }
  export class GifReader {
    constructor(buf: Uint8Array);
    width: number;
    height: number;
    numFrames(): number;
    frameInfo(frame: number): GifFrameInfo;
    decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array | Uint8ClampedArray): void;
  }
}
