#!/usr/bin/env bash
# Upgrade to a new version, then re-run install.sh for the instance; run as root.
#
#   deploy/upgrade.sh VERSIE --instantie voorbeeldstad [install.sh-opties]
#
# The repository belongs to root (install.sh keeps it so), so git never reports "dubious
# ownership". Make a back-up of the database first (docs/deployment.md).
set -euo pipefail
APP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
    echo "Gebruik: deploy/upgrade.sh VERSIE --instantie NAAM [opties van install.sh]" >&2
    exit 2
fi
version="$1"
shift
git -C "$APP" fetch --tags
git -C "$APP" checkout "$version"
exec "$APP/deploy/install.sh" "$@"
