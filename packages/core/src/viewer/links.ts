/**
 * The signed links a report run hands to its notifications and emails: the report HTML, its JSON (one object
 * each) and the portal (a tree link: every report). One expiry per run, `report.links.expiryDays` from now.
 */
import type { LinkSecretSource } from "./secret.js";
import { DEFAULT_LINK_EXPIRY_DAYS, linkExpiry, PORTAL_KEY, signedUrl } from "./sign.js";

export interface ReportLinks {
  html: string;
  json: string;
  portal?: string;
}

export class ViewerLinks {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly secret: LinkSecretSource,
    readonly expiryDays = DEFAULT_LINK_EXPIRY_DAYS,
  ) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new RangeError(`the viewer URL ${JSON.stringify(baseUrl)} is not a URL`);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") {
      throw new RangeError(`the viewer URL ${JSON.stringify(baseUrl)} must be http(s)`);
    }
    if (u.search || u.hash || u.username || u.password) {
      throw new RangeError("the viewer URL must not have a query, fragment or credentials");
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** Signed links to a report's HTML and JSON and to the portal, valid `expiryDays` from `now`. */
  async forReport(keys: { html: string; json: string }, now: Date): Promise<Required<ReportLinks>> {
    const secret = await this.secret();
    const exp = linkExpiry(now, this.expiryDays);
    return {
      html: signedUrl(this.baseUrl, secret, keys.html, exp),
      json: signedUrl(this.baseUrl, secret, keys.json, exp),
      portal: signedUrl(this.baseUrl, secret, PORTAL_KEY, exp, "tree"),
    };
  }

  /** The portal link alone (`sla serve --signed`, the report function's `{"portalLink":true}`), `days` long. */
  async portal(now: Date, days = this.expiryDays): Promise<{ url: string; expires: Date }> {
    const exp = linkExpiry(now, days);
    return {
      url: signedUrl(this.baseUrl, await this.secret(), PORTAL_KEY, exp, "tree"),
      expires: new Date(exp * 1000),
    };
  }
}
