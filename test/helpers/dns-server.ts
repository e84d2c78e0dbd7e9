/**
 * A tiny authoritative DNS server over UDP on 127.0.0.1 (port 0) for the probe tests, so no test name ever
 * reaches the machine's resolver. Per name (case-insensitive): listed in `records` → its A / AAAA records
 * (NOERROR without answers for a type it has none of); listed in `silent` (or `silent: "all"`) → never
 * answered; anything else → NXDOMAIN. Every query received is recorded, answered or not.
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { isIP } from "node:net";
import dnsPacket from "dns-packet";

export interface DnsServerOptions {
  /** name → IPv4 and/or IPv6 addresses (served as A / AAAA records) */
  records?: Record<string, readonly string[]>;
  /** names never answered, or "all" for a server that answers nothing */
  silent?: readonly string[] | "all";
}

export interface DnsQuery {
  name: string;
  type: string;
}

export interface DnsServer {
  /** "127.0.0.1:<port>", the form `probe.dnsServers` takes */
  address: string;
  port: number;
  /** every question received, in order (names lower-cased) */
  queries: DnsQuery[];
  /** questions received for `name` (any type) */
  queriesFor(name: string): DnsQuery[];
  close(): Promise<void>;
}

const NXDOMAIN = 3;

export async function startDnsServer(options: DnsServerOptions = {}): Promise<DnsServer> {
  const records = new Map(Object.entries(options.records ?? {}).map(([n, a]) => [n.toLowerCase(), a]));
  const silentAll = options.silent === "all";
  const silent = new Set(options.silent === "all" ? [] : (options.silent ?? []).map((n) => n.toLowerCase()));
  const queries: DnsQuery[] = [];
  const socket = createSocket("udp4");

  socket.on("message", (msg, peer) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: ignore
    }
    const questions = query.questions ?? [];
    for (const q of questions) queries.push({ name: q.name.toLowerCase(), type: q.type });
    const q = questions[0];
    if (!q || query.type !== "query" || silentAll || silent.has(q.name.toLowerCase())) return;
    const addresses = records.get(q.name.toLowerCase());
    const family = q.type === "A" ? 4 : q.type === "AAAA" ? 6 : 0;
    const answers: dnsPacket.Answer[] = (addresses ?? [])
      .filter((a) => family !== 0 && isIP(a) === family)
      .map((data) => ({ type: q.type as "A" | "AAAA", name: q.name, class: "IN", ttl: 60, data }));
    const response = dnsPacket.encode({
      type: "response",
      id: query.id ?? 0,
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
        (addresses ? 0 : NXDOMAIN), // the RCODE is the low 4 bits of the flags word
      questions: [q], // echoed as received (c-ares checks the question, case included)
      answers,
    });
    socket.send(response, peer.port, peer.address);
  });

  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    queriesFor: (name) => queries.filter((q) => q.name === name.toLowerCase()),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
