// The backend (infra/openapi.yaml) with the signed-in token. Errors are RFC 9457 problems
// whose `type` is urn:sendready:<code>; they come back as ApiError with the issues.

import type { Diagnosis, Issue } from "sendready";

const KEY = "sendready.token";

/** The token from the URL fragment (#token=...) or this tab's storage. */
export function token(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search + "#/smtp");
  }
  return sessionStorage.getItem(KEY);
}

export function setToken(t: string | null) {
  if (t) sessionStorage.setItem(KEY, t.trim());
  else sessionStorage.removeItem(KEY);
}

/** A problem+json answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly issues: Issue[],
  ) {
    super(detail);
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const t = sessionStorage.getItem(KEY);
  let r: Response;
  try {
    r = await fetch(path, {
      method,
      headers: { ...(t ? { authorization: `Bearer ${t}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "network", `The Sendready API did not answer (${(e as Error).message}). Is the backend running?`, []);
  }
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  let v: any = null;
  try {
    v = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(r.status, "bad-response", `The API answered ${r.status} with something that is not JSON.`, []);
  }
  if (!r.ok) {
    const code = v?.code ?? (typeof v?.type === "string" ? v.type.replace(/^urn:sendready:/, "") : `http-${r.status}`);
    throw new ApiError(r.status, code, v?.detail ?? v?.title ?? `HTTP ${r.status}`, v?.issues ?? []);
  }
  return v as T;
}

/** One step of an SMTP check (crates/lambda/src/smtp.rs). */
export interface Step {
  step: string;
  ok: boolean;
  millis: number;
  detail: string;
  diagnosis?: Diagnosis | null;
}

export interface Outcome {
  ok: boolean;
  steps: Step[];
  diagnosis?: Diagnosis | null;
}
