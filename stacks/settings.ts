/**
 * Synth-time settings: the product config (`sla.config.yaml`, else `sla.config.example.yaml`) read from the
 * project root with the stage's overrides applied, and everything derived from it (timeouts, memory, AMP
 * workspace, SSM parameters). Loaded once per SST App in `sst.config.ts` before the stacks run.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { App } from "sst/constructs";
import {
  type ApsWorkspace,
  apsWorkspaceFromUrl,
  probeMemoryMb,
  probeTimeoutSeconds,
  REPORT_RESERVED_CONCURRENCY,
  REPORT_TIMEOUT_SECONDS,
  reportMemoryMb,
  ssmParameterNames,
} from "../infra/aws/index.js";
import {
  formatOf,
  loadConfig,
  parseConfig,
  parseConfigText,
  type SlaConfig,
} from "../packages/core/src/config/index.js";

/** Config files looked for in the project root, in order. */
export const CONFIG_FILES = ["sla.config.yaml", "sla.config.example.yaml"] as const;
/**
 * The config as the functions read it (their `SLA_CONFIG`): the file (all stages) as JSON, so the Lambdas
 * never load a YAML parser. Written at synth time under .sst/ (never committed) and copied into both bundles
 * at the same relative path, which resolves from the bundle root when deployed (the Lambda working
 * directory) and from the project root under `sst dev` (its functions run with the project root as cwd).
 */
export const DEPLOYED_CONFIG = ".sst/sla-monitor/sla.config.json";
/** Stages whose bucket is retained when the app is removed. */
export const RETAINED_STAGES: readonly string[] = ["prod"];
/** Handlers, relative to the project root (SST resolves them from there; never from import.meta.url). */
export const HANDLERS = {
  probe: "packages/functions/src/probe.handler",
  report: "packages/functions/src/report.handler",
  viewer: "packages/functions/src/viewer.handler",
} as const;

export interface FunctionSizing {
  timeoutSeconds: number;
  memoryMb: number;
  /** SSM parameters referenced by the parts of the config this function resolves. */
  ssmParameters: string[];
}

/**
 * Customer-managed KMS key for the reports bucket and the notification topic: `{ create: true }` creates one
 * in the Storage stack (rotated yearly, retained with the bucket on retained stages); `{ keyArn }` uses an
 * existing symmetric key of the deploy region whose key policy you manage (see docs/DEPLOY.md, "Security").
 */
export type KmsSetting = { create: true } | { keyArn: string };

/**
 * Deployment options that are not product config (they change AWS resources, not monitoring behaviour);
 * set in sst.config.ts. Stages not listed keep the defaults.
 */
export interface DeployOptions {
  /** KMS key per stage. Default (stage absent): SSE-S3 for the bucket, no KMS for the topic. */
  kms?: Readonly<Record<string, KmsSetting>>;
  /**
   * Reserved concurrency of the report function: a whole number (default `REPORT_RESERVED_CONCURRENCY`, 2),
   * or `false` for none; one value for every stage, or per stage (stages not listed: the default). Lambda
   * keeps 100 executions of the account unreserved, so an account with a lower concurrency quota (new
   * accounts may have 10) cannot reserve any: set `false` there, or have the quota raised (docs/DEPLOY.md).
   */
  reportReservedConcurrency?: ReservedConcurrency | Readonly<Record<string, ReservedConcurrency>>;
}

export type ReservedConcurrency = number | false;

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** The stage's KMS setting, validated: a key ARN (not an alias) is needed for the IAM grants. */
export function kmsSettingFor(options: DeployOptions, stage: string): KmsSetting | undefined {
  const setting = options.kms?.[stage];
  if (setting && "keyArn" in setting && !KEY_ARN.test(setting.keyArn)) {
    throw new Error(`kms.${stage}.keyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  }
  return setting;
}

/** The stage's reserved concurrency for the report function, validated; undefined: none. */
export function reportReservedConcurrencyFor(options: DeployOptions, stage: string): number | undefined {
  const opt = options.reportReservedConcurrency;
  const value: ReservedConcurrency =
    opt === undefined || opt === false || typeof opt === "number"
      ? (opt ?? REPORT_RESERVED_CONCURRENCY)
      : (opt[stage] ?? REPORT_RESERVED_CONCURRENCY);
  if (value === false) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    const where =
      typeof opt === "object" && opt !== null
        ? `reportReservedConcurrency.${stage}`
        : "reportReservedConcurrency";
    throw new Error(`${where} must be a whole number from 1 to 1000, or false for none (got ${value})`);
  }
  return value;
}

export interface Settings {
  stage: string;
  root: string;
  /** The config file read at synth time, relative to the project root. */
  configFile: string;
  /** `DEPLOYED_CONFIG`, written by `loadSettings`: what `copyFiles` puts in the bundles. */
  deployedConfig: { from: string; to: string };
  config: SlaConfig;
  retain: boolean;
  probe: FunctionSizing;
  report: FunctionSizing;
  /** AMP workspace when Prometheus is Amazon Managed Service for Prometheus. */
  apsWorkspace?: ApsWorkspace;
  /** SigV4 auth against a URL that is not an AMP workspace URL. */
  apsAnyWorkspace: boolean;
  /** Customer-managed KMS key for the bucket and the topic; absent: SSE-S3 and no KMS on the topic. */
  kms?: KmsSetting;
  /** Reserved concurrency of the report function; absent: none (the account's unreserved pool). */
  reportReservedConcurrency?: number;
}

/** The config file to deploy: `sla.config.yaml` when present, else the example. */
export function findConfigFile(root: string): string {
  for (const name of CONFIG_FILES) {
    if (existsSync(join(root, name))) return name;
  }
  throw new Error(`no config file in ${root}: create sla.config.yaml (see sla.config.example.yaml)`);
}

export async function loadSettings(
  root: string,
  stage: string,
  options: DeployOptions = {},
): Promise<Settings> {
  const kms = kmsSettingFor(options, stage);
  const reserved = reportReservedConcurrencyFor(options, stage);
  const configFile = findConfigFile(root);
  const config = await loadConfig(join(root, configFile), { stage, warn: console.warn });
  await writeDeployedConfig(root, configFile, stage, config);
  const sigv4 = config.prometheus.auth.type === "sigv4";
  const apsWorkspace = sigv4 ? apsWorkspaceFromUrl(config.prometheus.url) : undefined;
  const promSsm = ssmParameterNames(config.prometheus);
  return {
    stage,
    root,
    configFile,
    deployedConfig: { from: DEPLOYED_CONFIG, to: DEPLOYED_CONFIG },
    config,
    retain: RETAINED_STAGES.includes(stage),
    probe: {
      timeoutSeconds: probeTimeoutSeconds(config),
      memoryMb: probeMemoryMb(config),
      ssmParameters: [...new Set([...ssmParameterNames(config.targets), ...promSsm])].sort(),
    },
    report: {
      timeoutSeconds: REPORT_TIMEOUT_SECONDS,
      memoryMb: reportMemoryMb(config),
      ssmParameters: promSsm,
    },
    ...(apsWorkspace ? { apsWorkspace } : {}),
    apsAnyWorkspace: sigv4 && !apsWorkspace,
    ...(kms ? { kms } : {}),
    ...(reserved !== undefined ? { reportReservedConcurrency: reserved } : {}),
  };
}

/**
 * Writes the config file as JSON to `DEPLOYED_CONFIG`, after checking that the JSON validates to the
 * very config the stage's YAML does (a YAML value JSON cannot carry would fail the synth here, not a Lambda).
 */
async function writeDeployedConfig(root: string, configFile: string, stage: string, config: SlaConfig) {
  const path = join(root, configFile);
  const raw = await parseConfigText(await readFile(path, "utf8"), formatOf(path) ?? "yaml", path);
  // compact: the functions' loader refuses files over 1 MiB, and it reads this file, not the YAML
  const json = JSON.stringify(raw);
  // the path the functions take (size and nesting limits included), for this stage
  const again = await parseConfig(json, { format: "json", source: DEPLOYED_CONFIG, stage });
  if (!isDeepStrictEqual(again, config)) {
    throw new Error(`${configFile}: its JSON form (${DEPLOYED_CONFIG}) does not validate to the same config`);
  }
  const out = join(root, DEPLOYED_CONFIG);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, json);
  // world-readable: SST's copy and the zip keep the mode, and Lambda runs the code as another user than
  // the one that owns the files (a 0600 file there is "permission denied" at every cold start)
  await chmod(out, 0o644);
}

const byApp = new WeakMap<App, Settings>();

export async function initSettings(app: App, root: string, options: DeployOptions = {}): Promise<Settings> {
  const settings = await loadSettings(root, app.stage, options);
  byApp.set(app, settings);
  return settings;
}

export function settingsOf(app: App): Settings {
  const settings = byApp.get(app);
  if (!settings) throw new Error("settings not loaded: call initSettings(app, root) before the stacks");
  return settings;
}
