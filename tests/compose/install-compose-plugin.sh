#!/usr/bin/env bash
# Docker Compose v2 on Debian bookworm, whose own docker-compose (1.29) cannot read
# docker-compose.celery.yml: Debian trixie's docker-compose package is one static binary that
# runs on bookworm. apt downloads it (signature-checked, from the mirror this machine already
# uses) into a throwaway state folder, so the machine's apt sources stay as they are; the binary
# becomes the Docker CLI plugin of the current user (~/.docker/cli-plugins/docker-compose).
set -euo pipefail
if docker compose version --short 2>/dev/null | grep -qE '^v?2\.'; then
    exit 0
fi
mirror=$("$(dirname "$0")/debian-mirror.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/sources"
cat >"$work/sources/trixie.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt=(apt-get -q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/sources"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
    -o APT::Sandbox::User=root)
"${apt[@]}" update >/dev/null
(cd "$work" && "${apt[@]}" download docker-compose >/dev/null)
dpkg-deb -x "$work"/docker-compose_*.deb "$work/root"
mkdir -p "$HOME/.docker/cli-plugins"
install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" \
    "$HOME/.docker/cli-plugins/docker-compose"
docker compose version
