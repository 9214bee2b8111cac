/* The page's address as a link to what it shows: `?collection=ID` (a layer turned on and
 * its extent shown: the collection pages link here), `?as_of=YYYY-MM-DD` (the 现状日期),
 * `?screening=ID` (a saved screening reopened) and `#map=zoom/lat/lon` (the view, kept up to
 * date as the map moves, so the address bar can be copied and sent as it is). */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[1-9]\d{0,17}$/;

function readView(hash) {
  const m = /(?:^#|&)map=([^&]+)/.exec(hash || "");
  if (!m) return null;
  const parts = m[1].split("/").map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  const [zoom, lat, lon] = parts;
  if (zoom < 0 || zoom > 22 || Math.abs(lat) > 85 || Math.abs(lon) > 180) return null;
  return { zoom: Math.round(zoom), lat: lat, lon: lon };
}

function validDate(text) {
  if (!DATE.test(text)) return false;
  const d = new Date(text + "T00:00:00Z");
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/* What the address asks for; each part null when absent, and in `ignored` when malformed
 * (the page says so instead of failing). */
export function readLink(location) {
  const params = new URLSearchParams(location.search);
  const link = { collection: null, asOf: null, screening: null, view: readView(location.hash), ignored: [] };
  const collection = params.get("collection");
  if (collection) link.collection = collection;
  const asOf = params.get("as_of");
  if (asOf !== null) {
    if (validDate(asOf)) link.asOf = asOf;
    else link.ignored.push("as_of=" + asOf);
  }
  const screening = params.get("screening");
  if (screening !== null) {
    if (ID.test(screening)) link.screening = screening;
    else link.ignored.push("screening=" + screening);
  }
  if (/(?:^#|&)map=/.test(location.hash || "") && !link.view) link.ignored.push(location.hash);
  return link;
}

function replace(url) {
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}

/* Set (or, with null, remove) one query parameter of the address, without a page load. */
export function setLinkParam(key, value) {
  const url = new URL(window.location.href);
  if (value === null || value === undefined || value === "") url.searchParams.delete(key);
  else url.searchParams.set(key, String(value));
  replace(url);
}

/* Keep `#map=zoom/lat/lon` in the address as the map moves. */
export function trackView(map) {
  function write() {
    const c = map.getCenter();
    const url = new URL(window.location.href);
    url.hash = "map=" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5);
    replace(url);
  }
  map.on("moveend", write);
  write();
}
