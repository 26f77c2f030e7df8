#!/usr/bin/env sh
# Installs the three peer extractors into bench/extract_parity/out/ (ignored
# by git): iocextract and ioc-finder from PyPI in a venv, ioc-extractor from
# npm. Measurement only: nothing here is used by the product.
set -eu
cd "$(dirname "$0")"
mkdir -p out/npm
python3 -m venv out/venv
out/venv/bin/pip install -q 'iocextract==1.16.1' 'ioc-finder==9.4.1' requests
cd out/npm
[ -f package.json ] || npm init -y >/dev/null
npm install --silent 'ioc-extractor@8.2.0'
echo "peers installed in $(pwd)/.."
