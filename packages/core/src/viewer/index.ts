/** Signed report links, the viewer (Lambda Function URL and `sla serve`) and its link secret. */
export { type ReportLinks, ViewerLinks } from "./links.js";
export {
  type LinkSecretSource,
  LOCAL_LINK_SECRET_FILE,
  localLinkSecret,
  type SecretsManagerSourceOptions,
  secretsManagerLinkSecret,
} from "./secret.js";
export {
  handleViewerRequest,
  parseViewerPath,
  VIEWER_CSP,
  type ViewerOptions,
  type ViewerPath,
  type ViewerRequest,
  type ViewerResponse,
} from "./serve.js";
export { type LocalViewer, startViewerServer } from "./server.js";
export {
  DEFAULT_LINK_EXPIRY_DAYS,
  type LinkCheck,
  type LinkScope,
  LinkSecretError,
  linkExpiry,
  MIN_LINK_SECRET_BYTES,
  PORTAL_KEY,
  SIGNED_SEGMENT,
  signedPath,
  signedUrl,
  VIEWER_ROOT,
  verifyLink,
} from "./sign.js";
