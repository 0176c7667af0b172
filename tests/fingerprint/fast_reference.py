"""FAST's fingerprinting (stanford-futuredata/FAST fingerprint/, as described
in docs/fast-method.md 1.2) with the libraries FAST uses, for records FAST
never saw: SciPy spectrogram (float32), Pillow BILINEAR resize (mode "F"),
PyWavelets Haar, scikit-learn L2 normalisation, median/MAD over every
fingerprint (mad_sampling_rate 1) written as '%.16f' text and read back, top-k
signs by numpy argsort, np.packbits.

usage: fast_reference.py [--raw FMIN FMAX] FS PARAMS.json PREFIX...
  PREFIX.f32   one channel, one contiguous segment, little-endian float32
  --raw        read PREFIX.raw.f64 (float64 counts) instead and first apply
               FAST's ObsPy recipe (utils/preprocess/bandpass_filter_decimate.py
               without decimation): demean, linear detrend, 4-corner causal
               Butterworth band-pass FMIN-FMAX Hz, cast to float32 (SAC);
               PREFIX.f32 is written
  PARAMS.json  {"spec_length", "spec_lag", "fp_length", "fp_lag", "nfreq",
                "min_freq", "max_freq", "k_coef"}
Writes, per PREFIX, PREFIX.fp, PREFIX.mad.txt and PREFIX.t (time of each
fingerprint in seconds after the first sample, '%.6f').
"""
import json
import sys

import numpy as np
import pywt
from PIL import Image
from scipy.signal import butter, detrend, sosfilt, spectrogram
from sklearn.preprocessing import normalize


def haar_vectors(x, fs, p):
    f, t, sxx = spectrogram(x, fs=fs, window='hann', nperseg=int(fs * p['spec_length']),
                            noverlap=int(fs * (p['spec_length'] - p['spec_lag'])))
    if p['min_freq'] > 0:
        keep = f >= p['min_freq']
        sxx, f = sxx[keep, :], f[keep]
    if p['max_freq'] < f[-1]:
        keep = f <= p['max_freq']
        sxx, f = sxx[keep, :], f[keep]
    length, lag = p['fp_length'], p['fp_lag']
    ncols = sxx.shape[1]
    idx2 = np.arange(length, ncols + 1, lag)
    idx1 = np.arange(0, ncols + 1, lag)[:len(idx2)]
    nfreq, ntimes = p['nfreq'], 2 ** int(np.floor(np.log2(length)))
    out = np.zeros((len(idx1), nfreq * ntimes))
    for i, (a, b) in enumerate(zip(idx1, idx2)):
        img = np.zeros((sxx.shape[0], length))
        img[:, :] = sxx[:, a:b]
        if img.shape != (nfreq, ntimes):
            # FAST stores the resized (float32) image in a float64 array.
            resized = np.zeros((nfreq, ntimes))
            resized[:, :] = np.array(Image.fromarray(img).resize((ntimes, nfreq), Image.BILINEAR))
            img = resized
        coeffs = pywt.wavedec2(img, pywt.Wavelet('db1'))
        cA = coeffs[0]
        for cH, cV, cD in coeffs[1:]:
            cA = np.concatenate((np.concatenate((cA, cV), axis=1), np.concatenate((cH, cD), axis=1)), axis=0)
        out[i, :] = cA.reshape(-1)
    times = np.array([t[int(np.mean((a, b)))] for a, b in zip(idx1, idx2)])
    return normalize(out, axis=1), times


def fast_preprocess(prefix, fs, fmin, fmax):
    x = np.fromfile(prefix + '.raw.f64')
    x = detrend(x - x.mean(), type='linear')
    nyquist = 0.5 * fs
    x = sosfilt(butter(4, [fmin / nyquist, fmax / nyquist], btype='band', output='sos'), x)
    x.astype('<f4').tofile(prefix + '.f32')


def channel(fs, p, prefix):
    x = np.fromfile(prefix + '.f32', dtype='<f4')
    v, times = haar_vectors(x, fs, p)
    median = np.array([np.median(v[:, i]) for i in range(v.shape[1])])
    mad = np.array([np.median(np.abs(v[:, i] - median[i])) for i in range(v.shape[1])])
    with open(prefix + '.mad.txt', 'w') as f:
        for m, d in zip(median, mad):
            f.write('%.16f,%.16f\n' % (m, d))
    # FAST reads the statistics back from the text file.
    stats = np.array([[float(a) for a in line.split(',')] for line in open(prefix + '.mad.txt')])
    z = (v - stats[:, 0]) / stats[:, 1]
    n, m = z.shape
    bits = np.zeros((n, 2 * m), dtype=bool)
    for i in range(n):
        idx = np.argsort(abs(z[i, :]))[-p['k_coef']:]
        bits[i, idx] = z[i, idx] > 0
        bits[i, idx + m] = z[i, idx] < 0
    open(prefix + '.fp', 'wb').write(np.packbits(bits).tobytes())
    with open(prefix + '.t', 'w') as f:
        for t in times:
            f.write('%.6f\n' % t)


def main():
    args = sys.argv[1:]
    raw = None
    if args[0] == '--raw':
        raw, args = (float(args[1]), float(args[2])), args[3:]
    fs, p = float(args[0]), json.load(open(args[1]))
    for prefix in args[2:]:
        if raw:
            fast_preprocess(prefix, fs, *raw)
        channel(fs, p, prefix)


if __name__ == '__main__':
    main()
