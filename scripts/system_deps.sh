#!/usr/bin/env bash
# System packages the tests need (Debian): chromium and Chinese fonts (browser tests, kaleido),
# LibreOffice and poppler (briefing PDF), nginx (proxy sign-in test, replicas), PostgreSQL server binaries
# (the state tests start a throw-away cluster; no system service is enabled). Installs only
# what is missing, as root or through sudo.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)    # briefing → PDF
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)             # PDF checks in the tests
[ -x /usr/sbin/nginx ] || missing+=(nginx)                                    # the proxy-mode sign-in test, replicas
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)  # the state tests on PostgreSQL
command -v openssl >/dev/null 2>&1 || missing+=(openssl)                       # its password file
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${missing[*]} (no apt-get here)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig
