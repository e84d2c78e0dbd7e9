// snappyjs ships no types. Snappy *block* format (what Prometheus remote write uses), not the framed one.
declare module "snappyjs" {
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
}
