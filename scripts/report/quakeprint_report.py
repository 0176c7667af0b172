#!/usr/bin/python3
"""quakeprint's HTML report: `quakeprint report CONFIG [-o DIR]` runs this.

Writes DIR/index.html with its figures beside it (PNG, matplotlib Agg) and
nothing loaded from the network, so the folder can be copied off a cluster
and opened on a laptop. Scales by plotting only the top events by score and
the largest families (with links), thinning candidate pairs, and paginating
the event table.

Usage: quakeprint_report.py --run RUN --inputs DIR_WITH_stations.tsv --out DIR
       [--top-events N] [--top-families N] [--max-stations N] [--page-size N]
"""
import argparse
import html
import os
import sys
import time
import tomllib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_data import NS, Run, ns_to_iso, read_csv  # noqa: E402

DPI = 80
PHASE_COLOURS = {"P": "tab:red", "S": "tab:blue", "?": "tab:purple"}


def esc(x):
    return html.escape(str(x))


def slug(text):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


class Figures:
    """Saves figures under out/figs and remembers them (the test counts them)."""

    def __init__(self, out):
        self.out = out
        os.makedirs(os.path.join(out, "figs"), exist_ok=True)
        self.saved = []

    def save(self, fig, name):
        rel = "figs/" + name
        fig.savefig(os.path.join(self.out, rel), dpi=DPI)
        plt.close(fig)
        self.saved.append(rel)
        return rel


# ----------------------------------------------------------------- summary --

def fig_lsh(figs, inputs):
    path = os.path.join(inputs, "lsh_curve.tsv")
    if not os.path.exists(path):
        return None
    s, p = np.loadtxt(path, delimiter="\t", skiprows=1, unpack=True)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(s, p, color="k")
    ax.axhline(0.5, ls=":", color="grey")
    ax.set_xlabel("Jaccard similarity of two fingerprints")
    ax.set_ylabel("P(pair found)")
    ax.set_title("LSH detection probability")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return figs.save(fig, "lsh_curve.png")


def fig_events_per_hour(figs, run, begin, end):
    if not run.events:
        return None
    t0 = begin if begin is not None else min(e["first_ns"] for e in run.events)
    t1 = end if end is not None else max(e["first_ns"] for e in run.events) + 1
    hours = max(1, int(np.ceil((t1 - t0) / (3600 * NS))))
    edges = np.arange(hours + 1)
    fams = {}
    for e in run.events:
        fams.setdefault(e.get("family_id") or "", []).append((e["first_ns"] - t0) / (3600 * NS))
    named = sorted((k for k in fams if k), key=lambda k: -len(fams[k]))
    shown = named[:9]
    groups = [(k, fams[k]) for k in shown]
    rest = [x for k in named[9:] for x in fams[k]]
    if rest:
        groups.append((f"{len(named) - 9} other families", rest))
    if "" in fams:
        groups.append(("no family", fams[""]))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.hist([g[1] for g in groups], bins=edges, stacked=True, label=[g[0] for g in groups])
    ax.set_xlabel(f"hours after {ns_to_iso(t0, 0)}")
    ax.set_ylabel("events per hour")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return figs.save(fig, "events_per_hour.png")


def fig_scores(figs, run):
    if not run.events:
        return None
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist([e["score_f"] for e in run.events], bins=int(np.clip(len(run.events) // 3, 5, 40)), color="tab:gray")
    ax.set_xlabel("score")
    ax.set_ylabel("events")
    fig.tight_layout()
    return figs.save(fig, "score_histogram.png")


def fig_map(figs, run):
    located = [e for e in run.events if e.get("latitude") and e.get("longitude")]
    sta = [s for s in run.stations if s["latitude"] and s["longitude"]]
    if not located and not sta:
        return None
    fig, ax = plt.subplots(figsize=(6, 4.5))
    if located:
        fam = [e.get("family_id") or "" for e in located]
        codes = {f: i for i, f in enumerate(sorted(set(fam)))}
        ax.scatter([float(e["longitude"]) for e in located], [float(e["latitude"]) for e in located],
                   c=[codes[f] for f in fam], cmap="tab20", s=14, label=f"{len(located)} epicentres")
    for s in sta:
        ax.plot(float(s["longitude"]), float(s["latitude"]), "k^", ms=8)
        ax.annotate(s["station_id"], (float(s["longitude"]), float(s["latitude"])), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title("epicentres (colour: family) and stations (▲)")
    lat0 = np.mean([float(s["latitude"]) for s in sta] or [float(e["latitude"]) for e in located])
    ax.set_aspect(1 / max(0.1, np.cos(np.radians(lat0))), adjustable="datalim")  # km-true shape, full box
    fig.tight_layout()
    return figs.save(fig, "map.png")


def fig_magnitudes(figs, run):
    ev = sorted((e for e in run.events if e["mag_f"] is not None), key=lambda e: e["first_ns"])
    if not ev:
        return None
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot([(e["first_ns"] - ev[0]["first_ns"]) / 3600e9 for e in ev], [e["mag_f"] for e in ev], "o", ms=3)
    ax.set_xlabel(f"hours after {ns_to_iso(ev[0]['first_ns'], 0)}")
    ax.set_ylabel("magnitude")
    fig.tight_layout()
    return figs.save(fig, "magnitude_time.png")


# -------------------------------------------------------------- per event --

def fig_record_section(figs, run, e):
    picks = run.picks.get(e["event_id"], [])
    pick_times = [p["time_ns"] for p in picks] or [e["first_ns"]]
    t0 = min(pick_times) - 5 * NS
    t1 = max(max(pick_times) + 15 * NS, t0 + 30 * NS)
    first_at = {}
    for p in picks:
        sta = p["seed_id"].rsplit(".", 2)[0]
        first_at[sta] = min(first_at.get(sta, p["time_ns"]), p["time_ns"])
    order = sorted(run.stations, key=lambda s: (first_at.get(s["station_id"], 1 << 62), s["station_id"]))
    rows = [(s, c) for s in order for c in s["channels"].split(";")]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.32 * len(rows)))
    labels = []
    for i, (s, c) in enumerate(rows):
        sid = f"{s['station_id']}.{s['location']}.{c}"
        t, y = run.window(sid, t0, t1)
        if y.size and np.any(np.isfinite(y)):
            scale = np.nanmax(np.abs(y)) or 1.0
            ax.plot(t, -i + 0.45 * y / scale, lw=0.5, color="k")
        for p in picks:
            if p["seed_id"].rsplit(".", 2)[0] == s["station_id"]:
                x = (p["time_ns"] - t0) / NS
                own = p["seed_id"] == sid  # solid on the picked channel, dotted on the station's others
                ax.plot([x, x], [-i - 0.45, -i + 0.45], color=PHASE_COLOURS.get(p["phase"], "tab:green"),
                        lw=1.4 if own else 0.9, ls="-" if own else ":")
        labels.append(f"{s['station_id'].split('.')[-1]} {c}")
    ax.set_yticks(-np.arange(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_xlim(0, (t1 - t0) / NS)
    ax.set_xlabel(f"seconds after {ns_to_iso(t0)} (preprocessed: filtered and resampled as the pipeline saw it)")
    ax.set_title(f"{e['event_id']}  score {e['score']}  stations {e['n_stations']}  "
                 f"(P red, S blue, ? purple)", fontsize=9)
    fig.tight_layout()
    return figs.save(fig, f"event_{slug(e['event_id'])}.png")


# ------------------------------------------------------------- per family --

def fig_family(figs, run, fid, members):
    count = {}
    for e in members:
        for p in run.picks.get(e["event_id"], []):
            count[p["seed_id"].rsplit(".", 2)[0]] = count.get(p["seed_id"].rsplit(".", 2)[0], 0) + 1
    if not count:
        return None, None
    best = max(sorted(count), key=lambda k: count[k])
    st = next((s for s in run.stations if s["station_id"] == best), None)
    if st is None:
        return None, None
    sid = run.vertical_id(st)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for e in members[:50]:
        ps = [p["time_ns"] for p in run.picks.get(e["event_id"], []) if p["seed_id"].startswith(best + ".")]
        ref = min(ps) if ps else e["first_ns"]
        t, y = run.window(sid, ref - 3 * NS, ref + 17 * NS)
        if y.size and np.any(np.isfinite(y)):
            ax.plot(t - 3, y / (np.nanmax(np.abs(y)) or 1.0), lw=0.6, alpha=0.7)
    ax.set_xlabel(f"seconds after the first pick at {best}")
    ax.set_ylabel("normalised")
    ax.set_title(f"family {fid}: {len(members)} events, {sid}", fontsize=9)
    fig.tight_layout()
    return figs.save(fig, f"family_{slug(fid)}.png"), best


# ------------------------------------------------------------ per station --

def fig_station(figs, run, s, span_begin):
    sid = run.vertical_id(s)
    got = run.pairs(sid)
    pairs_fig = fp_fig = None
    if got is not None and got[0].size:
        t1, dt, votes, n = got
        order = np.argsort(votes, kind="stable")  # most-voted pairs drawn on top
        t1, dt, votes = t1[order], dt[order], votes[order]
        fig, ax = plt.subplots(figsize=(7, 3.2))
        sc = ax.scatter((t1 - span_begin) / 3600e9, dt, c=votes, s=3, cmap="viridis", rasterized=True)
        ax.set_yscale("log")
        ax.set_xlabel("time of the earlier fingerprint (hours after the span start)")
        ax.set_ylabel("inter-event time (s)")
        ax.set_title(f"{sid}: {n} candidate pairs" + (f" ({t1.size} shown)" if t1.size < n else ""), fontsize=9)
        fig.colorbar(sc, ax=ax, label="votes")
        fig.tight_layout()
        pairs_fig = figs.save(fig, f"pairs_{slug(sid)}.png")
        best = np.argsort(-votes, kind="stable")[:2]
        times = []
        for k in best:
            times += [int(t1[k]), int(t1[k] + dt[k] * NS)]
        fps = run.fingerprints_at(sid, times)
        if fps:
            fig, axes = plt.subplots(1, len(fps), figsize=(2.2 * len(fps), 2.6), squeeze=False)
            for ax, (t, img) in zip(axes[0], fps):
                ax.imshow(img, cmap="bwr", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
                ax.set_title(ns_to_iso(t, 1)[11:], fontsize=7)
                ax.set_xticks([])
                ax.set_yticks([])
            fig.suptitle(f"{sid}: fingerprints of its two most-voted pairs (red +, blue -)", fontsize=8)
            fig.tight_layout()
            fp_fig = figs.save(fig, f"fingerprints_{slug(sid)}.png")
    return pairs_fig, fp_fig


# ------------------------------------------------------------------- HTML --

CSS = """body{font-family:sans-serif;margin:1.5em;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#eee}img{border:1px solid #ddd;margin:4px;vertical-align:top}pre{background:#f6f6f6;padding:6px;font-size:12px;
overflow-x:auto}.thumbs img{width:460px}h2{border-bottom:2px solid #888}"""


def page(title, body):
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def img(rel, alt, width=None):
    w = f' width="{width}"' if width else ""
    return f'<a href="{esc(rel)}"><img src="{esc(rel)}" alt="{esc(alt)}"{w}></a>'


def table(header, rows):
    h = "".join(f"<th>{esc(x)}</th>" for x in header)
    body = "".join("<tr>" + "".join(f"<td>{x}</td>" for x in r) + "</tr>\n" for r in rows)
    return f"<table><tr>{h}</tr>\n{body}</table>"


def event_pages(out, run, event_figs, page_size):
    events = sorted(run.events, key=lambda e: e["first_ns"])
    n_pages = max(1, -(-len(events) // page_size))
    names = [f"events-{k + 1:03d}.html" for k in range(n_pages)]
    for k in range(n_pages):
        chunk = events[k * page_size:(k + 1) * page_size]
        rows = []
        for e in chunk:
            link = f'<a href="{esc(event_figs[e["event_id"]])}">record section</a>' if e["event_id"] in event_figs else ""
            rows.append([esc(e["event_id"]), esc(e["first_arrival"]), esc(e.get("origin_time", "")),
                         esc(e.get("latitude", "")), esc(e.get("longitude", "")), esc(e.get("depth_km", "")),
                         esc(e["n_stations"]), esc(e.get("family_id", "")), esc(e["score"]),
                         str(len(run.picks.get(e["event_id"], []))), link])
        nav = " ".join(f'<a href="{n}">{i + 1}</a>' if i != k else f"<b>{i + 1}</b>" for i, n in enumerate(names))
        body = (f'<p><a href="index.html">report</a> · page {nav}</p><h1>Events {k * page_size + 1}–'
                f"{k * page_size + len(chunk)} of {len(events)}</h1>" +
                table(["event", "first arrival", "origin", "lat", "lon", "depth km", "stations", "family",
                       "score", "picks", "figure"], rows))
        with open(os.path.join(out, names[k]), "w") as f:
            f.write(page(f"events page {k + 1}", body))
    return names


def evaluation_html(run_dir):
    parts = []
    for name in sorted(os.listdir(run_dir)):
        d = os.path.join(run_dir, name)
        if not (os.path.isdir(d) and (name.startswith("evaluation") or name.startswith("match"))):
            continue
        parts.append(f"<h3>{esc(name)}</h3>")
        for fname in sorted(os.listdir(d)):
            p = os.path.join(d, fname)
            if fname.endswith((".txt", ".toml")):
                with open(p) as f:
                    text = f.read()
                try:  # quakeprint's evaluation summaries are TOML: their scalars as a table
                    scalars = [[esc(k), esc(v)] for k, v in tomllib.loads(text).items() if not isinstance(v, (list, dict))]
                except tomllib.TOMLDecodeError:
                    scalars = []
                if scalars:
                    parts.append(f"<p>{esc(fname)}</p>" + table(["key", "value"], scalars))
                parts.append(f"<details><summary>{esc(fname)} (text)</summary><pre>{esc(text[:20000])}</pre></details>")
            elif fname.endswith(".csv"):
                rows = read_csv(p)
                if rows:
                    head = list(rows[0].keys())
                    shown = [[esc(r.get(h, "")) for h in head] for r in rows[:50]]
                    more = f", first 50 shown" if len(rows) > 50 else ""
                    parts.append(f"<details><summary>{esc(fname)} ({len(rows)} rows{more})</summary>" +
                                 table(head, shown) + "</details>")
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--inputs", required=True, help="folder with stations.tsv, lsh_curve.tsv, parameters.toml")
    ap.add_argument("--out", required=True)
    ap.add_argument("--top-events", type=int, default=20)
    ap.add_argument("--top-families", type=int, default=10)
    ap.add_argument("--max-stations", type=int, default=40)
    ap.add_argument("--page-size", type=int, default=200)
    a = ap.parse_args()
    started = time.time()
    run = Run(a.run, a.inputs)
    figs = Figures(a.out)
    begin, end, rates = run.span()

    summary = {"lsh": fig_lsh(figs, a.inputs), "hourly": fig_events_per_hour(figs, run, begin, end),
               "scores": fig_scores(figs, run), "map": fig_map(figs, run), "mags": fig_magnitudes(figs, run)}
    top = sorted(run.events, key=lambda e: (-e["score_f"], e["first_ns"]))[: a.top_events]
    event_figs = {e["event_id"]: fig_record_section(figs, run, e) for e in top}
    fams = {}
    for e in sorted(run.events, key=lambda e: e["first_ns"]):
        if e.get("family_id"):
            fams.setdefault(e["family_id"], []).append(e)
    fam_order = sorted(fams, key=lambda f: (-len(fams[f]), f))[: a.top_families]
    fam_figs = [(f, *fig_family(figs, run, f, fams[f])) for f in fam_order]
    st_figs = [(s, *fig_station(figs, run, s, begin or 0)) for s in run.stations[: a.max_stations]]
    pages = event_pages(a.out, run, event_figs, a.page_size)

    b = [f"<h1>quakeprint report: {esc(os.path.basename(os.path.abspath(a.run)))}</h1>",
         f"<p>run directory <code>{esc(os.path.abspath(a.run))}</code>; {len(run.events)} events, "
         f"{sum(len(v) for v in run.picks.values())} picks; families: {len(fams)}.</p>",
         "<h2>Run summary</h2>"]
    if begin is not None:
        b.append(f"<p>span {esc(ns_to_iso(begin))} – {esc(ns_to_iso(end))} "
                 f"({(end - begin) / 3600e9:.2f} h); preprocessed sampling rates: "
                 f"{esc(', '.join(f'{r:g} Hz' for r in rates))}; samples are filtered counts (no response removed).</p>")
    b.append(table(["station", "location", "channels", "vertical (from)", "latitude", "longitude"],
                   [[esc(s["station_id"]), esc(s["location"]), esc(s["channels"].replace(";", " ")),
                     esc(f"{s['vertical']} ({s['vertical_source']})" if s["vertical"] else "none"),
                     esc(s["latitude"]), esc(s["longitude"])] for s in run.stations]))
    times = run.stage_times()
    b.append("<h3>Time and memory per stage</h3>" + table(
        ["stage", "units", "states", "unit seconds (sum)", "peak memory MB"],
        [[esc(r["stage"]), str(r["units"]), esc(", ".join(f"{k} {v}" for k, v in sorted(r["states"].items()))),
          f"{r['seconds']:.2f}", "not recorded" if r["memory_mb"] is None else f"{r['memory_mb']:.0f}"]
         for r in times]) + "<p>associate and export run as one unit each and keep no per-unit manifest.</p>")
    params = os.path.join(a.inputs, "parameters.toml")
    if os.path.exists(params):
        with open(params) as f:
            b.append(f"<details><summary>parameters (effective config)</summary><pre>{esc(f.read())}</pre></details>")
    explain = os.path.join(a.inputs, "lsh_explain.txt")
    if summary["lsh"]:
        text = open(explain).read() if os.path.exists(explain) else ""
        b.append(f'<div class="thumbs">{img(summary["lsh"], "LSH curve")}</div>'
                 f"<details><summary>quakeprint search --explain</summary><pre>{esc(text)}</pre></details>")
    b.append("<h2>Catalog</h2><div class=\"thumbs\">")
    for key, alt in (("hourly", "events per hour"), ("scores", "score histogram"), ("map", "map"),
                     ("mags", "magnitude-time")):
        if summary[key]:
            b.append(img(summary[key], alt))
    b.append("</div>")
    if not summary["mags"]:
        b.append("<p>No magnitudes in the catalog: no magnitude-time plot.</p>")
    links = " ".join('<a href="%s">page %d</a>' % (p, i + 1) for i, p in enumerate(pages))
    b.append(f"<p>All events, by time: {links}</p>")
    b.append(f"<h2>Top {len(top)} events by score</h2><p>Record sections of every station and component "
             "(preprocessed data), picks marked.</p>")
    b.append(table(["event", "first arrival", "score", "stations", "family", "record section"],
                   [[esc(e["event_id"]), esc(e["first_arrival"]), esc(e["score"]), esc(e["n_stations"]),
                     esc(e.get("family_id", "")), img(event_figs[e["event_id"]], e["event_id"], 240)] for e in top]))
    b.append(f"<h2>Families ({len(fam_order)} largest of {len(fams)})</h2><div class=\"thumbs\">")
    b += [img(rel, f"family {f}") for f, rel, _ in fam_figs if rel]
    b.append("</div><h2>Stations: candidate pairs and fingerprints</h2><div class=\"thumbs\">")
    for s, pf, ff in st_figs:
        b += [img(x, s["station_id"]) for x in (pf, ff) if x]
    b.append("</div>")
    ev = evaluation_html(a.run)
    if ev:
        b.append("<h2>Evaluation</h2>" + ev)
    b.append(f"<p><small>{len(figs.saved)} figures, made in {time.time() - started:.1f} s by "
             "scripts/report/quakeprint_report.py (matplotlib).</small></p>")
    with open(os.path.join(a.out, "index.html"), "w") as f:
        f.write(page("quakeprint report", "\n".join(b)))
    print(f"report: {os.path.join(a.out, 'index.html')} ({len(figs.saved)} figures, "
          f"{len(pages)} event pages, {time.time() - started:.1f} s)")


if __name__ == "__main__":
    main()
