// The network manager's public API, as the console calls it: JSON in and out, a bearer token per
// caller, refusals as ApiFailure with the API's code, message and field problems.

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || `HTTP_${status}`;
    this.errors = body.errors || [];
  }
}

/** Calls the API; answers the parsed JSON, or the bytes with {bytes: true}. */
export async function call(method, path, {token, body, bytes} = {}) {
  const headers = {accept: bytes ? "*/*" : "application/json"};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store"});
  } catch (e) {
    throw new ApiFailure(0, {code: "UNREACHABLE", message: `the network manager cannot be reached (${e.message})`});
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch (e) { problem = {message: `HTTP ${response.status}`}; }
    throw new ApiFailure(response.status, problem);
  }
  if (bytes) return new Uint8Array(await response.arrayBuffer());
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

/**
 * Reads a server-sent event stream with the caller's token (EventSource cannot send one) and
 * hands each event's data to onEvent; reconnects after a drop until signal aborts.
 */
export async function watch(path, token, onEvent, onState, signal) {
  while (!signal.aborted) {
    try {
      const response = await fetch(path, {headers: {authorization: `Bearer ${token}`, accept: "text/event-stream"}, signal, cache: "no-store"});
      if (!response.ok) {
        let problem = {};
        try { problem = await response.json(); } catch (e) { /* not JSON */ }
        throw new ApiFailure(response.status, problem);
      }
      onState("live");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (data) onEvent(JSON.parse(data));
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiFailure && e.status === 401) { onState("refused", e); return; }
      onState("reconnecting", e);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Session storage (this tab only, gone when it closes), never local storage. */
export const session = {
  get(name) { const v = sessionStorage.getItem(`patchwork.${name}`); return v === null ? null : JSON.parse(v); },
  set(name, value) { sessionStorage.setItem(`patchwork.${name}`, JSON.stringify(value)); },
  remove(name) { sessionStorage.removeItem(`patchwork.${name}`); },
};
