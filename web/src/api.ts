// The backend (infra/openapi.yaml) with the signed-in token. Errors are RFC 9457 problems
// whose `type` is urn:sendready:<code>; they come back as ApiError with the issues.

import type { Code, Issue, Problem } from "sendready";

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
    /** The catalogue code; `network` and `bad-response` when no problem came back. */
    readonly code: Code | "network" | "bad-response",
    readonly detail: string,
    readonly issues: Issue[],
  ) {
    super(detail);
  }
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const t = sessionStorage.getItem(KEY);
  let r: Response;
  try {
    r = await fetch(path, {
      method,
      headers: {
        ...(t ? { authorization: `Bearer ${t}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(
      0,
      "network",
      `The Sendready API did not answer (${(e as Error).message}). Is the backend running?`,
      [],
    );
  }
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  let v: unknown = null;
  try {
    v = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(r.status, "bad-response", `The API answered ${r.status} with something that is not JSON.`, []);
  }
  if (!r.ok) {
    const p = v as Partial<Problem> | null;
    if (!p?.code) {
      throw new ApiError(r.status, "bad-response", `The API answered HTTP ${r.status} without a problem body.`, []);
    }
    const err = new ApiError(r.status, p.code, p.detail ?? p.title ?? `HTTP ${r.status}`, p.issues ?? []);
    if (r.status === 401 && t) {
      // The token is no longer taken: the page signs out and says why.
      window.dispatchEvent(new CustomEvent("sendready:unauthorized", { detail: err.message }));
    }
    throw err;
  }
  return v as T;
}
