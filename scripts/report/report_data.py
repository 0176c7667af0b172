"""Reads what `quakeprint report` shows from a run directory (docs/run-store.md).

Everything is read lazily and partially (h5py slices), so a report on a run
with months of data and thousands of events reads only the windows it plots.
"""
import csv
import datetime as dt
import glob
import os

import h5py
import numpy as np

NS = 1_000_000_000


def iso_to_ns(text):
    """ISO 8601 with Z (quakeprint writes 6 decimals) -> int ns; None when empty."""
    if not text:
        return None
    t = text.rstrip("Z")
    if "." in t:
        base, frac = t.split(".", 1)
    else:
        base, frac = t, "0"
    d = dt.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
    return int(d.timestamp()) * NS + int((frac + "000000000")[:9])


def ns_to_iso(ns, decimals=2):
    d = dt.datetime.fromtimestamp(ns // NS, tz=dt.timezone.utc)
    frac = f"{(ns % NS) / NS:.{decimals}f}"[1:] if decimals else ""
    return d.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_tsv_with_header(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class Run:
    def __init__(self, run_dir, inputs_dir):
        self.dir = run_dir
        self.inputs = inputs_dir
        self.events = read_csv(os.path.join(run_dir, "catalog", "catalog.csv"))
        for e in self.events:
            e["first_ns"] = iso_to_ns(e["first_arrival"])
            e["score_f"] = float(e["score"]) if e.get("score") else 0.0
            mag = e.get("magnitude") or e.get("mag")  # quakeprint / ComCat column names
            e["mag_f"] = float(mag) if mag else None
        self.picks = {}
        for p in read_csv(os.path.join(run_dir, "catalog", "picks.csv")):
            p["time_ns"] = iso_to_ns(p["time"])
            self.picks.setdefault(p["event_id"], []).append(p)
        self.stations = read_tsv_with_header(os.path.join(inputs_dir, "stations.tsv"))
        self._units = {}

    # ------------------------------------------------------------ metadata --
    def channels(self):
        out = []
        for s in self.stations:
            for c in s["channels"].split(";"):
                out.append((s, f"{s['station_id']}.{s['location']}.{c}"))
        return out

    def vertical_id(self, s):
        ch = s["vertical"] or s["channels"].split(";")[0]
        return f"{s['station_id']}.{s['location']}.{ch}"

    def stage_times(self):
        """Per stage: units, states, summed seconds, and peak memory when recorded."""
        rows = []
        for stage in ("preprocess", "fingerprint", "search", "associate", "export"):
            path = os.path.join(self.dir, "manifest", stage + ".tsv")
            if not os.path.exists(path):
                continue
            units, secs, states, mem = 0, 0.0, {}, None
            with open(path) as f:
                lines = [ln.rstrip("\n").split("\t") for ln in f if ln.strip()]
            header = None
            if lines and (lines[0][0].startswith("#") or lines[0][0] == "unit"):
                header = [h.lstrip("# ").strip() for h in lines[0]]
                lines = lines[1:]
            for f in lines:
                units += 1
                state = f[1] if len(f) > 1 else "?"
                states[state] = states.get(state, 0) + 1
                rec = dict(zip(header, f)) if header else {}
                try:
                    secs += float(rec.get("seconds", f[5] if len(f) > 5 else 0) or 0)
                except ValueError:
                    pass
                for key, value in rec.items():
                    # Any memory column (rss_mb, peak_rss_kb, memory_mb ...), in MB.
                    if value and ("rss" in key or "mem" in key):
                        try:
                            mb = float(value) / (1024.0 if key.endswith("kb") else 1.0)
                        except ValueError:
                            continue
                        mem = max(mem or 0.0, mb)
            rows.append({"stage": stage, "units": units, "seconds": secs, "states": states, "memory_mb": mem})
        return rows

    # ------------------------------------------------------------ waveforms --
    def units(self, seed_id):
        if seed_id not in self._units:
            found = []
            for path in sorted(glob.glob(os.path.join(self.dir, "preprocess", seed_id, "*.h5"))):
                if ".tmp." in os.path.basename(path):
                    continue
                with h5py.File(path, "r") as f:
                    start = int(f.attrs["start_ns"])
                    rate = float(f.attrs["sampling_rate_hz"])
                    n = f["samples"].shape[0]
                found.append((start, rate, n, path))
            self._units[seed_id] = found
        return self._units[seed_id]

    def span(self):
        begin, end, rates = None, None, set()
        for _, sid in self.channels():
            for start, rate, n, _ in self.units(sid):
                stop = start + int(round(n * NS / rate))
                begin = start if begin is None else min(begin, start)
                end = stop if end is None else max(end, stop)
                rates.add(rate)
        return begin, end, sorted(rates)

    def window(self, seed_id, t0, t1):
        """Samples of [t0, t1) as (times in s relative to t0, samples); masked samples are NaN."""
        ts, ys = [], []
        for start, rate, n, path in self.units(seed_id):
            stop = start + int(round(n * NS / rate))
            if stop <= t0 or start >= t1:
                continue
            i0 = max(0, int(np.floor((t0 - start) * rate / NS)))
            i1 = min(n, int(np.ceil((t1 - start) * rate / NS)))
            if i1 <= i0:
                continue
            with h5py.File(path, "r") as f:
                y = f["samples"][i0:i1].astype(np.float64)
                m = f["mask"][i0:i1]
            y[m == 0] = np.nan
            ts.append((start - t0) / NS + np.arange(i0, i1) / rate)
            ys.append(y)
        if not ts:
            return np.empty(0), np.empty(0)
        return np.concatenate(ts), np.concatenate(ys)

    # ------------------------------------------------------ search, fingerprints --
    def pairs(self, seed_id, limit=200_000):
        """Candidate pairs (t1 ns, dt s, votes), evenly thinned to at most `limit`."""
        path = os.path.join(self.dir, "search", seed_id + ".h5")
        if not os.path.exists(path):
            return None
        with h5py.File(path, "r") as f:
            n = f["t1"].shape[0]
            step = max(1, -(-n // limit))
            t1 = f["t1"][::step]
            t2 = f["t2"][::step]
            votes = f["votes"][::step]
        return t1, (t2 - t1) / NS, votes, n

    def fingerprints_at(self, seed_id, times_ns):
        """Sign images (nfreq x fp_length, +1/-1/0) of the fingerprints nearest the given times."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "fingerprint", seed_id, "*.h5"))):
            if os.path.basename(path) == "mad.h5" or ".tmp." in path:
                continue
            with h5py.File(path, "r") as f:
                times = f["times"][:]
                if times.size == 0:
                    continue
                params = f.attrs.get("parameters", "")
                params = params.decode() if isinstance(params, bytes) else str(params)
                nbits = int(f.attrs["nbits"])
                for t in times_ns:
                    if t < times[0] or t > times[-1]:
                        continue
                    k = int(np.argmin(np.abs(times - t)))
                    words = f["bits"][k, :]
                    bits = np.unpackbits(words.astype(">u8").view(np.uint8))[:nbits].astype(np.int8)
                    m = nbits // 2
                    img = bits[:m] - bits[m:]
                    out.append((int(times[k]), reshape_fingerprint(img, params)))
        return out


def reshape_fingerprint(img, params):
    """Haar coefficient image rows x cols = nfreq x fp_length (fingerprinter.cpp)."""
    vals = {}
    for line in params.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            vals[k.strip()] = v.strip()
    try:
        nfreq, fpl = int(vals["nfreq"]), int(vals["fp_length"])
        if nfreq * fpl == img.size:
            return img.reshape(nfreq, fpl)
    except (KeyError, ValueError):
        pass
    side = int(np.sqrt(img.size))
    return img[: side * side].reshape(side, side)
