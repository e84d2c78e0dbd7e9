export { contentTypeFor } from "./content-type.js";
export { LOCAL_STORE_INTERNAL_DIR, LocalObjectStore, type LocalObjectStoreOptions } from "./local.js";
export { S3ObjectStore, type S3ObjectStoreOptions, s3ClientFor } from "./s3.js";
export {
  ConcurrentModificationError,
  type DamagedObject,
  markOnce,
  type ReadModifyWriteOptions,
  type ReadModifyWriteResult,
  StateStore,
  type StateStoreOptions,
} from "./state.js";
export {
  type ObjectStore,
  ObjectStoreError,
  PreconditionFailedError,
  type PutOptions,
  type StoredObject,
  validateKey,
} from "./types.js";
