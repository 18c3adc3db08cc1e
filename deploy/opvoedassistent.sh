#!/usr/bin/env bash
# Run an `assistent` command for one instance: with that instance's settings file, as the
# service user, in the instance folder. Installed by deploy/install.sh as @BIN@.
#
#   opvoedassistent SETTINGS-FILE COMMAND [OPTIONS]
#   opvoedassistent /etc/opvoedassistent/voorbeeldstad.env check
#
# The settings file is read like systemd's EnvironmentFile (KEY=VALUE lines, # comments), so
# the command sees exactly what the bot sees. Relative paths (rapport -o x.html) are relative
# to the instance folder, the parent of ASSISTENT_DATA_DIR.
set -euo pipefail
VENV="@VENV@"
SERVICE_USER="@USER@"
if [ $# -lt 2 ]; then
    echo "Gebruik: $(basename "$0") INSTELLINGENBESTAND OPDRACHT [OPTIES]" >&2
    echo "Bijvoorbeeld: $(basename "$0") /etc/opvoedassistent/voorbeeldstad.env check" >&2
    exit 2
fi
settings="$1"
shift
if [ ! -r "$settings" ]; then
    echo "Het instellingenbestand $settings bestaat niet of is niet leesbaar (draai dit als root)." >&2
    exit 4
fi
while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    case "$line" in '' | '#'* | ';'*) continue ;; esac
    key="${line%%=*}"
    value="${line#*=}"
    key="${key//[[:space:]]/}"
    case "$value" in \"*\") value="${value:1:${#value}-2}" ;; \'*\') value="${value:1:${#value}-2}" ;; esac
    export "$key=$value"
done <"$settings"
umask 022
if [ -n "${ASSISTENT_DATA_DIR:-}" ] && [ -d "$(dirname "$ASSISTENT_DATA_DIR")" ]; then
    cd "$(dirname "$ASSISTENT_DATA_DIR")"
else
    cd /  # the service user may not enter root's current folder
fi
if [ "$(id -u)" -eq 0 ] && [ "$SERVICE_USER" != root ]; then
    exec runuser -u "$SERVICE_USER" -- "$VENV/bin/assistent" "$@"
fi
exec "$VENV/bin/assistent" "$@"
