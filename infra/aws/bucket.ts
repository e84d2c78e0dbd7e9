import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/** Key prefixes used by the product (see packages/core/src/store). */
export const PREFIX = {
  reports: "reports/",
  state: "state/",
  notifications: "notifications/",
} as const;

export interface ReportsBucketProps {
  /** Keep the bucket (and its objects) when the stack is removed. Use for production stages. */
  retain: boolean;
  /** Optional fixed name; by default CloudFormation generates one. */
  bucketName?: string;
  /** Noncurrent object versions are deleted this many days after they were replaced. Default 30. */
  noncurrentVersionExpirationDays?: number;
  /** `state/` and `notifications/` markers expire this many days after their last write. Default 400. */
  markerExpirationDays?: number;
  /** Reports move to Standard-IA this many days after they were written. Default 90. */
  reportsInfrequentAccessAfterDays?: number;
  /** Reports are deleted this many days after they were written. Default: kept (SLA evidence). */
  reportsExpirationDays?: number;
  /**
   * Customer-managed KMS key for default encryption (SSE-KMS with an S3 Bucket Key, so S3 calls KMS about
   * once per object rather than per request). Default: SSE-S3. Readers and writers need kms:Decrypt /
   * kms:GenerateDataKey on the key (see grants.ts).
   */
  encryptionKey?: kms.IKey;
}

/**
 * The bucket holding reports (`reports/`), probe state (`state/`) and sent-notification markers
 * (`notifications/`). Hardened: no public access, SSE-S3 (or SSE-KMS with a given key), TLS 1.2+ only,
 * bucket-owner-enforced ownership, versioning, no CORS (SST's own Bucket defaults to CORS `*`, hence a plain
 * CDK bucket), lifecycle rules that expire old versions, markers and (optionally) reports.
 */
export class ReportsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReportsBucketProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 30;
    const markerDays = props.markerExpirationDays ?? 400;
    const iaDays = props.reportsInfrequentAccessAfterDays ?? 90;
    this.bucket = new s3.Bucket(this, "Bucket", {
      ...(props.bucketName !== undefined ? { bucketName: props.bucketName } : {}),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      ...(props.encryptionKey
        ? {
            encryption: s3.BucketEncryption.KMS,
            encryptionKey: props.encryptionKey,
            bucketKeyEnabled: true,
          }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retain,
      lifecycleRules: [
        {
          id: "noncurrent-versions",
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          // The state object is rewritten every minute: its old versions are worthless after a day.
          id: "state",
          prefix: PREFIX.state,
          expiration: Duration.days(markerDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: "notification-markers", prefix: PREFIX.notifications, expiration: Duration.days(markerDays) },
        {
          id: "reports",
          prefix: PREFIX.reports,
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaDays) },
          ],
          ...(props.reportsExpirationDays !== undefined
            ? { expiration: Duration.days(props.reportsExpirationDays) }
            : {}),
        },
      ],
    });
  }
}
