#!/usr/bin/env bash
# Debian packages cnbudget needs beyond Python: a CJK font for PDF output (fonts-noto-cjk),
# pdftoppm for rendering pages to PNG in tests (poppler-utils), Pango for WeasyPrint, Tesseract
# with Simplified Chinese for reading scanned PDF pages (tesseract-ocr, tesseract-ocr-chi-sim).
# Idempotent: installs only what is missing. Needs root (CI and the dev machines run as root);
# without root it only reports what is missing.
set -euo pipefail
PKGS=(fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fontconfig chromium tesseract-ocr tesseract-ocr-chi-sim libharfbuzz-subset0)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包 / missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
