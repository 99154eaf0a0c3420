#!/bin/sh
# Rebuild the dashboard's vendored GOV.UK Frontend stylesheet from the pinned npm
# package (package.json / package-lock.json here). Run by `make govuk-assets` when the
# pin or liaison.scss changes; the output is committed, so installing and running
# liaison needs no npm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../engine/api/static"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map \
  liaison.scss "$out/govuk-frontend.min.css"
version=$(node -p "require('govuk-frontend/package.json').version")
# sass starts compressed output holding non-ASCII text with a byte-order mark: drop it
# so the banner comment can go first.
{ printf '/* GOV.UK Frontend %s (MIT, see GOVUK-FRONTEND-LICENSE.txt), built by tools/govuk-frontend */\n' \
    "$version"; sed '1s/^\xEF\xBB\xBF//' "$out/govuk-frontend.min.css"; } > "$out/.tmp.css"
mv "$out/.tmp.css" "$out/govuk-frontend.min.css"
echo "wrote $out/govuk-frontend.min.css (GOV.UK Frontend $version)"
