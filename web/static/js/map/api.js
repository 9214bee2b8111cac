/* The map's one HTTP client: every request goes to this server (under its root path). */

import { ROOT } from "./config.js";

export function url(path) { return ROOT + path; }

// JSON of a response; a non-2xx answer rejects with the problem's detail or title.
export function getJSON(path, opts) {
  return fetch(url(path), opts || {}).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) {
        const err = new Error(body.detail || body.title || ("HTTP " + r.status));
        err.status = r.status; err.body = body; throw err;
      }
      return body;
    });
  });
}
