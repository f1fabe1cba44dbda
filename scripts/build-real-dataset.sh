#!/usr/bin/env bash
# Builds "debian-real", a small multi-label set of REAL recordings, in the DESED layout that
# `sedjoule` reads (src/data/readers/desed.ts), from two Debian packages that are downloaded and
# unpacked into a work folder, never installed:
#
#   hydrogen-drumkits  14 drum kits (GPL-2/2+, CC-BY-3.0, CC-BY-SA-3.0, CC0; per kit); classes
#                      from the instrument names in each kit's drumkit.xml
#   sonic-pi-samples   Sonic Pi's samples (CC0 per Debian for 130 files, the rest "Files: *" MIT);
#                      classes from the file-name prefix, drum hits mapped to the drum classes
#
# Each clip mixes 1-3 recordings of different classes at random onsets over low pink noise,
# written as 16-bit mono WAV at one rate (recordings at other rates go through a windowed-sinc
# resampler). Train and test never share a recording or a kit. Same seed, same bytes.
#
# Usage: scripts/build-real-dataset.sh [options]
#   --out DIR         where the set goes (default .cache/real-set); its audio/ and metadata/
#                     folders are replaced
#   --clips N         training clips (default 400)
#   --test-clips N    test clips, written as the DESED validation split (default 100)
#   --seed N          seed for the split, the mixing and the noise (default 1)
#   --work DIR        downloads and unpacked packages (default .cache/debian-audio); kept, so a
#                     second run neither downloads nor unpacks again
#   --duration S      clip length in seconds (default 4)
#   --rate HZ         sample rate of the clips (default 44100, the rate of most recordings)
#   -h, --help        this text
#
# Output (under --out):
#   audio/train/weak/train_NNNNN.wav, audio/validation/test_NNNNN.wav
#   metadata/train/weak.tsv, metadata/train/strong.tsv          (train labels, weak and strong)
#   metadata/validation/validation.tsv, .../weak.tsv, .../validation_durations.tsv   (test)
#   metadata/sources.tsv   every event: clip, onset, offset, label, source recording, kit, licence
#   dataset.json           classes, settings, split, package versions, licences
#
# Needs apt-get and dpkg-deb (Debian/Ubuntu) and network access to the Debian archive. If the
# download fails for lack of package lists, `apt-get update` is run (which needs root). Exit
# status 3 means the packages could not be obtained (the tests skip on it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

out="$repo/.cache/real-set"
work="$repo/.cache/debian-audio"
clips=400
test_clips=100
seed=1
duration=4
rate=44100

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
need() { [ $# -ge 2 ] || { echo "build-real-dataset: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) need "$@"; out=$2; shift 2 ;;
    --clips) need "$@"; clips=$2; shift 2 ;;
    --test-clips) need "$@"; test_clips=$2; shift 2 ;;
    --seed) need "$@"; seed=$2; shift 2 ;;
    --work) need "$@"; work=$2; shift 2 ;;
    --duration) need "$@"; duration=$2; shift 2 ;;
    --rate) need "$@"; rate=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-real-dataset: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

packages=(hydrogen-drumkits sonic-pi-samples)
unavailable() { echo "build-real-dataset: $*" >&2; exit 3; }
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || unavailable "apt-get and dpkg-deb are needed to fetch ${packages[*]}"

mkdir -p "$work/debs" "$work/root"
work=$(cd "$work" && pwd)

# Download each package once; the .deb stays in the work folder for later runs.
missing=()
for pkg in "${packages[@]}"; do
  compgen -G "$work/debs/${pkg}_*.deb" >/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "downloading ${missing[*]} into $work/debs" >&2
  if ! (cd "$work/debs" && apt-get download "${missing[@]}" >&2); then
    # A fresh system (or container) has no package lists yet.
    echo "download failed; running apt-get update" >&2
    apt-get update >&2 || unavailable "apt-get update failed (needs root and network access to the Debian archive)"
    (cd "$work/debs" && apt-get download "${missing[@]}" >&2) || unavailable "could not download ${missing[*]}"
  fi
fi

# Unpack each .deb once (a stamp file records it), and note its version for dataset.json.
: > "$work/packages.tsv"
for pkg in "${packages[@]}"; do
  deb=$(ls -1 "$work/debs/${pkg}"_*.deb | sort | tail -n 1)
  stamp="$work/root/.unpacked-$(basename "$deb")"
  if [ ! -f "$stamp" ]; then
    echo "unpacking $(basename "$deb")" >&2
    dpkg-deb -x "$deb" "$work/root"
    touch "$stamp"
  fi
  printf '%s\t%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" >> "$work/packages.tsv"
done

# The builder runs from dist/; compile when dist/ is missing or older than any source file.
builder="$repo/dist/data/real-set.js"
if [ ! -f "$builder" ] || [ -n "$(find "$repo/src" -name '*.ts' -newer "$builder" -print -quit)" ]; then
  echo "compiling TypeScript (tsc -p tsconfig.build.json)" >&2
  # tsc writes its output even when another part of the tree has type errors; the check below
  # is what matters here.
  (cd "$repo" && npx tsc -p tsconfig.build.json >&2) || echo "build-real-dataset: tsc reported errors (see above); using its output" >&2
fi
[ -f "$builder" ] || { echo "build-real-dataset: $builder was not built" >&2; exit 1; }

exec node "$builder" --root "$work/root" --out "$out" --clips "$clips" --test-clips "$test_clips" \
  --seed "$seed" --duration "$duration" --rate "$rate" --packages "$work/packages.tsv"
