import { describe, expect, it } from "vitest";
import {
  cgroupPaths,
  ONE_VCPU_MB,
  processCpuShare,
  selfAndAncestors,
  shareFromCfs,
  shareFromCpuMax,
} from "./cpu-share.js";

describe("the process's CPU share", () => {
  it("reads cgroup v2 cpu.max", () => {
    expect(shareFromCpuMax("50000 100000\n")).toBe(0.5);
    expect(shareFromCpuMax("25000 100000")).toBe(0.25);
    expect(shareFromCpuMax("150000 100000")).toBe(1.5);
    expect(shareFromCpuMax("max 100000\n")).toBeUndefined();
    expect(shareFromCpuMax("")).toBeUndefined();
    expect(shareFromCpuMax("garbage")).toBeUndefined();
  });

  it("reads cgroup v1 cfs quota and period (-1: no quota)", () => {
    expect(shareFromCfs("43000\n", "100000\n")).toBe(0.43);
    expect(shareFromCfs("-1\n", "100000\n")).toBeUndefined();
    expect(shareFromCfs("20000", "0")).toBeUndefined();
  });

  it("finds the v2 path and the v1 cpu controller's path in /proc/self/cgroup", () => {
    expect(cgroupPaths("0::/system.slice/sla.service\n")).toEqual({ v2: "/system.slice/sla.service" });
    expect(
      cgroupPaths("12:memory:/x\n4:cpu,cpuacct:/docker/abc\n2:cpuacct:/y\n1:name=systemd:/\n0::/\n"),
    ).toEqual({ v1cpu: "/docker/abc", v2: "/" });
    expect(cgroupPaths("1:cpu:/sla-quota-1\n")).toEqual({ v1cpu: "/sla-quota-1" });
  });

  it("looks at the group and every ancestor (the smallest quota holds)", () => {
    expect(selfAndAncestors("/a/b")).toEqual(["/a/b", "/a", "/"]);
    expect(selfAndAncestors("/")).toEqual(["/"]);
  });

  it("on Lambda, is the function's memory over 1769 MB, at most one CPU", () => {
    // a cgroup quota on the machine running this test can only make it smaller
    expect(processCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "768" })).toBeLessThanOrEqual(
      768 / ONE_VCPU_MB,
    );
    expect(processCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128" })).toBeGreaterThanOrEqual(0.05);
    expect(processCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "10240" })).toBeLessThanOrEqual(1);
    expect(processCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "nonsense" })).toBeGreaterThan(0);
  });
});
