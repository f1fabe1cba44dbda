"""Peer for `npm run bench`: the DCASE log-mel front end in numpy/scipy (one thread), timed on the
same audio as sedjoule's native front end, with the features written back for comparison.

    python3 scripts/frontend_peer.py AUDIO.f32 RATE REPEATS OUT.f32

AUDIO.f32: raw little-endian float32 mono samples at RATE (16000 for the dcase preset). Prints one
JSON object: ms per clip (median of REPEATS), versions, and what was computed.

The pipeline is the DCASE 2023 baseline's (torchaudio MelSpectrogram + AmplitudeToDB + min-max):
centre reflect padding, Hamming (periodic=False) window, rFFT 2048 / hop 256, magnitude, 128 HTK
mel bands over 0-8000 Hz applied as a dense matrix product (as torchaudio does), 20 log10 with
amin 1e-5, clamp to [-50, 80], per-clip min-max.
"""
import json
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.signal  # noqa: E402

N_FFT, HOP, N_MELS, F_MAX = 2048, 256, 128, 8000.0


def htk_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def htk_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filterbank(rate):
    """torchaudio.functional.melscale_fbanks(n_freqs, 0, F_MAX, N_MELS, rate, None, 'htk')."""
    all_freqs = np.linspace(0, rate // 2, N_FFT // 2 + 1)
    m_pts = np.linspace(htk_mel(0.0), htk_mel(F_MAX), N_MELS + 2)
    f_pts = htk_hz(m_pts)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[None, :] - all_freqs[:, None]
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return np.maximum(0.0, np.minimum(down, up)).astype(np.float32)  # [bins, mels]


def logmel(x, window, fb):
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    frames = 1 + (len(padded) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(padded[idx] * window, axis=1)).astype(np.float32)  # [frames, bins]
    mel = spectrum @ fb  # [frames, mels]
    db = np.clip(20.0 * np.log10(np.maximum(mel, 1e-5)), -50.0, 80.0)
    out = (db - db.min()) / (db.max() - db.min())
    return out.T.astype(np.float32)  # [mels, frames]


def main():
    path, rate, repeats, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = np.fromfile(path, dtype="<f4")
    window = scipy.signal.get_window("hamming", N_FFT, fftbins=False).astype(np.float32)
    fb = mel_filterbank(rate)
    features = logmel(x, window, fb)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        features = logmel(x, window, fb)
        times.append(time.perf_counter() - start)
    features.tofile(out_path)
    print(json.dumps({
        "msPerClip": 1000.0 * sorted(times)[len(times) // 2],
        "repeats": repeats,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "shape": list(features.shape),
        "peer": "numpy/scipy, one thread, dense mel product as torchaudio",
    }))


if __name__ == "__main__":
    main()
