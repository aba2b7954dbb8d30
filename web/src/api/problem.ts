// Errors from the server are RFC 9457 problems; a failed fetch is a network error. Screens
// show both the same way: field errors next to their fields, the rest as a message with a
// retry.

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  request_id?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  /** Field messages keyed by the field the server named (`address.pincode`, `lines[0].quantity`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      if (!(e.field in out)) out[e.field] = e.message;
    }
    return out;
  }
}

export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("network error", { cause });
    this.name = "NetworkError";
  }
}

function asProblem(status: number, body: unknown): Problem {
  if (body && typeof body === "object") return body as Problem;
  if (typeof body === "string" && body.trim()) return { status, detail: body };
  return { status };
}

/** The data of an `openapi-fetch` call, or an `ApiError` / `NetworkError` thrown. */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (e) {
    throw new NetworkError(e);
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined) {
    throw new ApiError(response.status, asProblem(response.status, error));
  }
  return data as T;
}

/** Whether retrying may help: the network, or the server's fault. */
export function isTransient(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof ApiError && e.status >= 500);
}

/** Field errors of `e` under `prefix` (e.g. "address."), keyed without it. */
export function fieldErrorsOf(e: unknown, prefix = ""): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  const all = e.fieldErrors();
  if (!prefix) return all;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) {
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  }
  return out;
}
