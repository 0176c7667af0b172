// Reads catalog.xml with seisplotjs (a third-party QuakeML 1.2 parser) and
// checks it against catalog.csv and picks.csv: the same events, with the
// same first origin and pick times, picks per event, origins for located
// events and one arrival per pick of a located event.
// Usage: node check_quakeml.mjs catalog.xml catalog.csv picks.csv
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

// seisplotjs defines custom elements when imported: give Node a DOM first.
const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
for (const name of ["window", "document", "navigator", "HTMLElement", "HTMLDivElement", "HTMLInputElement",
                    "HTMLSelectElement", "HTMLButtonElement", "HTMLCanvasElement", "customElements",
                    "DOMParser", "Node", "Element", "SVGElement", "CustomEvent", "Event", "XMLSerializer",
                    "getComputedStyle", "ResizeObserver", "MutationObserver"]) {
  if (globalThis[name] !== undefined) continue;
  const value = name === "window" ? dom.window : dom.window[name];
  globalThis[name] = value !== undefined ? value : class {};
}
const sp = await import("seisplotjs");

const [xmlPath, catalogPath, picksPath] = process.argv.slice(2);
const failures = [];
const fail = (msg) => failures.push(msg);

function readCsv(path) {
  const lines = readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(",");
  return lines.slice(1).map((line) => {
    // quakeprint quotes fields with , or " (RFC 4180); ids and times never need it.
    const fields = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; ++i) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; ++i; }
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { fields.push(cur); cur = ""; }
      else cur += c;
    }
    fields.push(cur);
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
  });
}

// Milliseconds since the epoch from ISO text (luxon keeps milliseconds, so
// compare to within 1 ms of the CSV's microseconds).
const ms = (iso) => Date.parse(iso);
const closeMs = (a, b) => Math.abs(a - b) <= 1;

const doc = new dom.window.DOMParser().parseFromString(readFileSync(xmlPath, "utf8"), "text/xml");
if (doc.getElementsByTagName("parsererror").length > 0) fail("catalog.xml is not well-formed XML");
const quakes = sp.quakeml.parseQuakeML(doc).eventList;
const events = readCsv(catalogPath);
const picks = readCsv(picksPath);

if (quakes.length !== events.length) fail(`events: QuakeML ${quakes.length}, catalog.csv ${events.length}`);
const byId = new Map(quakes.map((q) => [q.publicId.split("/").pop(), q]));
let nOrigins = 0, nPicks = 0, nArrivals = 0, located = 0;
for (const e of events) {
  const q = byId.get(e.event_id);
  if (!q) { fail(`event ${e.event_id} of catalog.csv is not in the QuakeML`); continue; }
  const csvPicks = picks.filter((p) => p.event_id === e.event_id);
  nPicks += q.pickList.length;
  nOrigins += q.originList.length;
  if (q.pickList.length !== csvPicks.length)
    fail(`${e.event_id}: ${q.pickList.length} picks in QuakeML, ${csvPicks.length} in picks.csv`);
  for (const p of csvPicks) {
    const [net, sta, loc, cha] = p.seed_id.split(".");
    const match = q.pickList.find((x) => x.waveformID.networkCode === net && x.waveformID.stationCode === sta &&
      (x.waveformID.locationCode ?? "") === loc && x.waveformID.channelCode === cha &&
      closeMs(x.time.toMillis(), ms(p.time)) && (p.phase === "?" ? !x.phaseHint : x.phaseHint === p.phase));
    if (!match) fail(`${e.event_id}: pick ${p.seed_id} ${p.phase} ${p.time} not in the QuakeML`);
  }
  if (e.origin_time) {
    ++located;
    if (q.originList.length !== 1) { fail(`${e.event_id}: ${q.originList.length} origins, want 1`); continue; }
    const o = q.originList[0];
    if (!closeMs(o.time.toMillis(), ms(e.origin_time))) fail(`${e.event_id}: origin time ${o.time.toISO()} vs ${e.origin_time}`);
    if (Math.abs(o.latitude - Number(e.latitude)) > 1e-6 || Math.abs(o.longitude - Number(e.longitude)) > 1e-6)
      fail(`${e.event_id}: origin ${o.latitude},${o.longitude} vs ${e.latitude},${e.longitude}`);
    if (Math.abs(o.depth - 1000 * Number(e.depth_km)) > 0.5) fail(`${e.event_id}: depth ${o.depth} m vs ${e.depth_km} km`);
    nArrivals += o.arrivalList.length;
    if (o.arrivalList.length !== csvPicks.length)
      fail(`${e.event_id}: ${o.arrivalList.length} arrivals, ${csvPicks.length} picks`);
    for (const a of o.arrivalList)
      if (!q.pickList.includes(a.pick)) fail(`${e.event_id}: an arrival refers to a pick outside the event`);
  } else if (q.originList.length !== 0) {
    fail(`${e.event_id}: not located in catalog.csv but has ${q.originList.length} origins`);
  }
}
console.log(`seisplotjs read ${quakes.length} events (${located} located), ${nOrigins} origins, ` +
            `${nPicks} picks, ${nArrivals} arrivals; catalog.csv ${events.length} events, picks.csv ${picks.length} picks`);
if (nPicks !== picks.length) fail(`picks: QuakeML ${nPicks}, picks.csv ${picks.length}`);
if (failures.length) {
  for (const f of failures.slice(0, 20)) console.error("FAIL: " + f);
  process.exit(1);
}
console.log("ok: QuakeML read by seisplotjs matches catalog.csv and picks.csv");
