#!/usr/bin/env bash
# The stand-in redis image's entrypoint: redis-server runs as `redis`, never as root.
set -euo pipefail
if [[ "${1:-}" == "redis-server" && "$(id -u)" == "0" ]]; then
    chown -R redis:redis /data
    exec gosu redis "$@"
fi
exec "$@"
