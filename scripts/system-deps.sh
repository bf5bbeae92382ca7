#!/usr/bin/env bash
# System packages the tool needs beside its Python ones: Pango (WeasyPrint's text layout), a
# Times-metric serif font with Vietnamese (Liberation Serif 2), and poppler-utils (pdftotext,
# pdfsig: the tests check PDFs with them), SoftHSM2 (a software token standing in for a
# USB token in the tests) and PostgreSQL (the central store; the tests start a throw-away
# cluster of their own with pg_ctl). Installed with apt-get where they are missing.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 poppler-utils softhsm2 postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "warning: please install: ${missing[*]} (Pango, Liberation Serif, poppler-utils)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
