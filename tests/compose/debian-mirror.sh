#!/usr/bin/env bash
# The Debian mirror this machine's apt uses (the first non-security one, deb822 "URIs:" or
# one-line "deb" sources); http://deb.debian.org/debian if none is configured.
set -uo pipefail
mirror=$(sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v security)
mirror=${mirror%%$'\n'*}
echo "${mirror:-http://deb.debian.org/debian}"
