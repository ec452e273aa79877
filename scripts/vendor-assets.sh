#!/usr/bin/env bash
# Vendor the web UI's front-end assets into src/cnbudget/web/static/vendor/ (idempotent).
#
# Why vendored and committed: the web pages and the API browser (/docs, /redoc) must work with
# no outside network at run time, and `pip install` must not need npm. So each package is
# fetched ONCE by a developer with this script (npm, at build time only), checked against its
# pinned version and expected license, and committed together with the licenses of everything
# its bundle contains:
#   * ECharts (Apache-2.0, LICENSE and NOTICE), the d3.js parts it embeds (BSD-3-Clause),
#     ZRender (BSD-3-Clause) and tslib (0BSD), which echarts.min.js bundles;
#   * swagger-ui-dist (Apache-2.0, LICENSE and NOTICE; the licenses of what its bundle contains
#     are in swagger-ui-bundle.js.LICENSE.txt, shipped by the package) for /docs;
#   * redoc's standalone bundle (MIT; bundled licenses in redoc.standalone.js.LICENSE.txt) for
#     /redoc.
# Every vendored file's sha256 is recorded next to it (<file>.sha256) and its version in
# <package>.VERSION. install.sh does not need to run this script.
#
# Usage: bash scripts/vendor-assets.sh            # fetch the pinned versions if missing/changed
#        bash scripts/vendor-assets.sh --force    # fetch again even if up to date
#        ECHARTS_VERSION=6.1.0 SWAGGER_UI_VERSION=5.35.0 REDOC_VERSION=2.5.2 bash scripts/vendor-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ECHARTS_VERSION=${ECHARTS_VERSION:-6.1.0}
SWAGGER_UI_VERSION=${SWAGGER_UI_VERSION:-5.35.0}
# Redoc 2.x: its standalone bundle is the documented way to embed ReDoc without a build step.
REDOC_VERSION=${REDOC_VERSION:-2.5.2}
DEST=src/cnbudget/web/static/vendor
FORCE=${1:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# up_to_date NAME VERSION FILE…: the stamp names NAME@VERSION and every FILE exists.
up_to_date() {
  local name=$1 version=$2
  shift 2
  [ "$FORCE" != "--force" ] || return 1
  [ -f "$DEST/$name.VERSION" ] && head -1 "$DEST/$name.VERSION" | grep -qx "$name@$version" || return 1
  for f in "$@"; do [ -f "$DEST/$f" ] || return 1; done
  echo "$name@$version already vendored in $DEST"
}

need_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "需要 npm 来获取前端资源 / npm is needed to fetch the front-end assets (build time only)" >&2
    exit 1
  fi
}

# fetch NAME VERSION LICENSE: unpack the published tarball into $work/NAME/package (npm pack
# downloads it exactly as released; no install scripts run) and refuse an unexpected license.
fetch() {
  local name=$1 version=$2 expected=$3
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "$name@$version" >/dev/null)
  tar -xzf "$work/$name/$name-$version.tgz" -C "$work/$name"
  local license
  license=$(node -e "process.stdout.write(require('$work/$name/package/package.json').license || '')")
  if [ "$license" != "$expected" ]; then
    echo "unexpected $name license '$license' (expected $expected): refusing to vendor" >&2
    exit 1
  fi
}

# record FILE…: write FILE.sha256 next to each vendored file.
record() {
  for f in "$@"; do
    (cd "$DEST" && sha256sum "$f" >"$f.sha256")
    echo "  $f sha256 $(cut -d' ' -f1 "$DEST/$f.sha256")"
  done
}

mkdir -p "$DEST"

# -- ECharts (the charts of the web pages) ---------------------------------------------------
if ! up_to_date echarts "$ECHARTS_VERSION" echarts.min.js; then
  need_npm
  fetch echarts "$ECHARTS_VERSION" Apache-2.0
  pkg="$work/echarts/package"
  cp "$pkg/dist/echarts.min.js" "$DEST/echarts.min.js"
  # .txt so that setuptools package-data (**/*.txt) ships them in the wheel next to the code.
  cp "$pkg/LICENSE" "$DEST/echarts-LICENSE.txt"
  cp "$pkg/NOTICE" "$DEST/echarts-NOTICE.txt"
  cp "$pkg/licenses/LICENSE-d3" "$DEST/echarts-LICENSE-d3.txt"
  # The bundled dependencies, at exactly the versions this ECharts release pins.
  : >"$work/bundled"
  for dep in zrender tslib; do
    ver=$(node -e "process.stdout.write(require('$pkg/package.json').dependencies['$dep'])")
    (cd "$work" && npm pack --silent "$dep@$ver" >/dev/null)
    mkdir -p "$work/dep-$dep"
    tar -xzf "$work/$dep-$ver.tgz" -C "$work/dep-$dep"
    lic=$(ls "$work/dep-$dep/package" | grep -i -m1 '^licen[cs]e')
    cp "$work/dep-$dep/package/$lic" "$DEST/$dep-LICENSE.txt"
    echo "$dep@$ver" >>"$work/bundled"
  done
  { echo "echarts@$ECHARTS_VERSION"; cat "$work/bundled"; } >"$DEST/echarts.VERSION"
  echo "vendored echarts@$ECHARTS_VERSION into $DEST"
  record echarts.min.js
fi

# -- Swagger UI (/docs) -----------------------------------------------------------------------
if ! up_to_date swagger-ui-dist "$SWAGGER_UI_VERSION" swagger-ui-bundle.js swagger-ui.css; then
  need_npm
  fetch swagger-ui-dist "$SWAGGER_UI_VERSION" Apache-2.0
  pkg="$work/swagger-ui-dist/package"
  cp "$pkg/swagger-ui-bundle.js" "$pkg/swagger-ui.css" "$DEST/"
  cp "$pkg/swagger-ui-bundle.js.LICENSE.txt" "$DEST/swagger-ui-bundle.js.LICENSE.txt"
  cp "$pkg/LICENSE" "$DEST/swagger-ui-LICENSE.txt"
  cp "$pkg/NOTICE" "$DEST/swagger-ui-NOTICE.txt"
  echo "swagger-ui-dist@$SWAGGER_UI_VERSION" >"$DEST/swagger-ui-dist.VERSION"
  echo "vendored swagger-ui-dist@$SWAGGER_UI_VERSION into $DEST"
  record swagger-ui-bundle.js swagger-ui.css
fi

# -- ReDoc (/redoc) ---------------------------------------------------------------------------
if ! up_to_date redoc "$REDOC_VERSION" redoc.standalone.js; then
  need_npm
  fetch redoc "$REDOC_VERSION" MIT
  pkg="$work/redoc/package"
  upstream=$(sha256sum "$pkg/bundles/redoc.standalone.js" | cut -d' ' -f1)
  # The one outside URL in the bundle: the side menu's "API docs by Redocly" logo, an <img>
  # from cdn.redoc.ly that the CSP blocks (with a console error) and that no offline laptop
  # can load. Point it at an empty data: URL instead; ReDoc then hides the image (its onError).
  # Any other outside URL would be a reason to stop and look.
  sed 's#https://cdn\.redoc\.ly/redoc/logo-mini\.svg#data:,#' \
    "$pkg/bundles/redoc.standalone.js" >"$DEST/redoc.standalone.js"
  if grep -q 'cdn\.redoc\.ly' "$DEST/redoc.standalone.js"; then
    echo "redoc@$REDOC_VERSION loads other files from cdn.redoc.ly: refusing to vendor" >&2
    exit 1
  fi
  cp "$pkg/bundles/redoc.standalone.js.LICENSE.txt" "$DEST/redoc.standalone.js.LICENSE.txt"
  cp "$pkg/LICENSE" "$DEST/redoc-LICENSE.txt"
  { echo "redoc@$REDOC_VERSION"; echo "upstream bundles/redoc.standalone.js sha256 $upstream (logo URL patched, see scripts/vendor-assets.sh)"; } >"$DEST/redoc.VERSION"
  echo "vendored redoc@$REDOC_VERSION into $DEST"
  record redoc.standalone.js
fi
