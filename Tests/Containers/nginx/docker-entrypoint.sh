#!/bin/sh
# As the official image's entrypoint: when the command is nginx, run the executable scripts of
# /docker-entrypoint.d/ in version order (*.envsh sourced, *.sh run), then exec the command.
set -e

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    find /docker-entrypoint.d/ -follow -type f -print | sort -V | while read -r script; do
        case "$script" in
            *.envsh) if [ -x "$script" ]; then entrypoint_log "$0: sourcing $script"; . "$script"; fi ;;
            *.sh) if [ -x "$script" ]; then entrypoint_log "$0: launching $script"; "$script"; fi ;;
            *) entrypoint_log "$0: ignoring $script" ;;
        esac
    done
    entrypoint_log "$0: configuration complete; ready for start up"
fi

exec "$@"
