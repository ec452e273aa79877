#!/usr/bin/env bash
# Vendor the web UI's front-end assets into src/cnbudget/web/static/vendor/ (idempotent).
#
# Why vendored and committed: the web pages must work with no outside network at run time, and
# `pip install` must not need npm. So the minified ECharts build is fetched ONCE by a developer
# with this script (npm, at build time only), checked against the pinned version, and committed
# together with the licenses of everything the bundle contains: ECharts (Apache-2.0, LICENSE and
# NOTICE), the d3.js parts it embeds (BSD-3-Clause), ZRender (BSD-3-Clause) and tslib (0BSD),
# which echarts.min.js bundles. install.sh does not need to run this script.
#
# Usage: bash scripts/vendor-assets.sh            # fetch the pinned version if missing/changed
#        bash scripts/vendor-assets.sh --force    # fetch again even if up to date
#        ECHARTS_VERSION=6.1.0 bash scripts/vendor-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ECHARTS_VERSION=${ECHARTS_VERSION:-6.1.0}
DEST=src/cnbudget/web/static/vendor
STAMP="$DEST/echarts.VERSION"

if [ "${1:-}" != "--force" ] && [ -f "$DEST/echarts.min.js" ] && [ -f "$STAMP" ] \
  && head -1 "$STAMP" | grep -qx "echarts@$ECHARTS_VERSION"; then
  echo "echarts@$ECHARTS_VERSION already vendored in $DEST"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "需要 npm 来获取 ECharts / npm is needed to fetch ECharts (build time only)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm pack downloads the published tarball exactly as released (no install scripts run).
(cd "$work" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null)
tar -xzf "$work"/echarts-"$ECHARTS_VERSION".tgz -C "$work"
pkg="$work/package"

license=$(node -e "process.stdout.write(require('$pkg/package.json').license || '')")
if [ "$license" != "Apache-2.0" ]; then
  echo "unexpected ECharts license '$license' (expected Apache-2.0): refusing to vendor" >&2
  exit 1
fi

mkdir -p "$DEST"
cp "$pkg/dist/echarts.min.js" "$DEST/echarts.min.js"
# .txt so that setuptools package-data (**/*.txt) ships them in the wheel next to the code.
cp "$pkg/LICENSE" "$DEST/echarts-LICENSE.txt"
cp "$pkg/NOTICE" "$DEST/echarts-NOTICE.txt"
cp "$pkg/licenses/LICENSE-d3" "$DEST/echarts-LICENSE-d3.txt"
# The bundled dependencies, at exactly the versions this ECharts release pins.
for dep in zrender tslib; do
  ver=$(node -e "process.stdout.write(require('$pkg/package.json').dependencies['$dep'])")
  (cd "$work" && npm pack --silent "$dep@$ver" >/dev/null)
  mkdir -p "$work/$dep"
  tar -xzf "$work/$dep-$ver.tgz" -C "$work/$dep"
  lic=$(ls "$work/$dep/package" | grep -i -m1 '^licen[cs]e')
  cp "$work/$dep/package/$lic" "$DEST/$dep-LICENSE.txt"
  echo "$dep@$ver" >>"$work/bundled"
done
{ echo "echarts@$ECHARTS_VERSION"; cat "$work/bundled"; } >"$STAMP"
sha=$(sha256sum "$DEST/echarts.min.js" | cut -d' ' -f1)
echo "$sha  echarts.min.js" >"$DEST/echarts.min.js.sha256"
echo "vendored echarts@$ECHARTS_VERSION into $DEST (sha256 $sha)"
