#!/usr/bin/env bash
# Fetch the browser libraries the app serves itself (Leaflet, leaflet.markercluster) from the
# npm registry into static/vendor/ (git-ignored). Nothing is loaded from a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor
if [ -f "$dest/.fetched" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent leaflet@1.9.4 leaflet.markercluster@1.5.3 >/dev/null )
mkdir -p "$tmp/leaflet" "$tmp/cluster" "$dest/leaflet" "$dest/markercluster"
tar -xzf "$tmp/leaflet-1.9.4.tgz" -C "$tmp/leaflet"
tar -xzf "$tmp/leaflet.markercluster-1.5.3.tgz" -C "$tmp/cluster"
cp -r "$tmp/leaflet/package/dist/." "$dest/leaflet/"
cp "$tmp/cluster/package/dist/leaflet.markercluster.js" "$tmp/cluster/package/dist/MarkerCluster.css" \
   "$tmp/cluster/package/dist/MarkerCluster.Default.css" "$dest/markercluster/"
cp "$tmp/leaflet/package/LICENSE" "$dest/leaflet/LICENSE"
cp "$tmp/cluster/package/MIT-LICENCE.txt" "$dest/markercluster/LICENSE" 2>/dev/null || true
touch "$dest/.fetched"
echo "vendor: Leaflet 1.9.4 and leaflet.markercluster 1.5.3 in $dest"
