#!/usr/bin/env bash
# Install or upgrade one instance (one gemeente) of the opvoedassistent; run as root.
#
#   deploy/install.sh --instantie voorbeeldstad --gemeente Voorbeeldstad
#
# Idempotent: run it again after `git pull` to upgrade (deploy/upgrade.sh does both). It never
# overwrites a settings file or a kennisbank that already exists. Every path is a parameter, so
# a test can run it in a temporary root (--root) without useradd or systemctl.
set -euo pipefail
umask 022

APP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT=""
INSTANCE=""
GEMEENTE=""
SERVICE_USER="opvoedassistent"
VENV=""
PYTHON="python3"
KENNISBANK=""
DO_USERADD=1
DO_PIP=1
DO_CHECK=1
DO_INDEX=1
DO_SYSTEMCTL=1

usage() {
    cat <<USAGE
Gebruik: deploy/install.sh --instantie NAAM [opties]   (als root)

  --instantie NAAM    naam van de instantie, meestal de gemeente in kleine letters (verplicht)
  --gemeente NAAM     de gemeente zoals ouders hem kennen (standaard: NAAM)
  --gebruiker NAAM    de service-gebruiker (standaard: opvoedassistent)
  --kennisbank MAP    de kennisbank (standaard: /srv/opvoedassistent/kennisbank-NAAM)
  --venv MAP          de Python-omgeving (standaard: APP/.venv, APP = deze repository)
  --python PROGRAMMA  Python 3.11 of nieuwer voor een nieuwe venv (standaard: python3)
  --root MAP          alles onder deze map installeren (voor tests; standaard: /)
  --zonder-useradd    maak de service-gebruiker niet aan (hij bestaat al)
  --zonder-pip        installeer het pakket niet (de venv is er al)
  --zonder-controle   controleer de kennisbank niet en bouw geen index
  --zonder-index      bouw de index niet
  --zonder-systemctl  laad en start de service niet
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
    --instantie) INSTANCE="$2"; shift 2 ;;
    --gemeente) GEMEENTE="$2"; shift 2 ;;
    --gebruiker) SERVICE_USER="$2"; shift 2 ;;
    --kennisbank) KENNISBANK="$2"; shift 2 ;;
    --venv) VENV="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    --root) ROOT="${2%/}"; shift 2 ;;
    --zonder-useradd) DO_USERADD=0; shift ;;
    --zonder-pip) DO_PIP=0; shift ;;
    --zonder-controle) DO_CHECK=0; DO_INDEX=0; shift ;;
    --zonder-index) DO_INDEX=0; shift ;;
    --zonder-systemctl) DO_SYSTEMCTL=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "Onbekende optie: $1" >&2; usage >&2; exit 2 ;;
    esac
done
if [ -z "$INSTANCE" ]; then
    echo "--instantie ontbreekt." >&2
    usage >&2
    exit 2
fi
case "$INSTANCE" in *[!a-z0-9-]* | -*)
    echo "--instantie '$INSTANCE': gebruik alleen kleine letters, cijfers en '-'." >&2
    exit 2
    ;;
esac
GEMEENTE="${GEMEENTE:-$INSTANCE}"
VENV="${VENV:-$APP/.venv}"
ETC="$ROOT/etc/opvoedassistent"
LIB="$ROOT/var/lib/opvoedassistent"
KENNISBANK="${KENNISBANK:-$ROOT/srv/opvoedassistent/kennisbank-$INSTANCE}"
UNITS="$ROOT/etc/systemd/system"
BIN="$ROOT/usr/local/bin/opvoedassistent"
SETTINGS="$ETC/$INSTANCE.env"

say() { printf '==> %s\n' "$*"; }

fill() { # fill the @...@ placeholders of a template
    sed -e "s|@APP@|$APP|g" -e "s|@VENV@|$VENV|g" -e "s|@USER@|$SERVICE_USER|g" \
        -e "s|@ETC@|$ETC|g" -e "s|@LIB@|$LIB|g" -e "s|@BIN@|$BIN|g" \
        -e "s|@INSTANCE@|$INSTANCE|g" -e "s|@GEMEENTE@|$GEMEENTE|g" \
        -e "s|@KENNISBANK@|$KENNISBANK|g" "$1"
}

# 1. The service user: a system account without a shell. Commands run as this user through
#    runuser (see opvoedassistent.sh), which needs no shell.
if [ "$DO_USERADD" -eq 1 ] && ! id "$SERVICE_USER" >/dev/null 2>&1; then
    say "Service-gebruiker $SERVICE_USER aanmaken"
    useradd --system --home-dir "$LIB" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi
GROUP="$(id -gn "$SERVICE_USER")"

# 2. The program. The repository and the venv belong to root and are readable for everyone:
#    the bot can't change its own code, and git (as root) never sees "dubious ownership".
if [ "$DO_PIP" -eq 1 ]; then
    say "Programma installeren in $VENV"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade "$APP"
fi
if [ ! -x "$VENV/bin/assistent" ]; then
    echo "$VENV/bin/assistent ontbreekt. Draai zonder --zonder-pip, of geef --venv." >&2
    exit 3
fi

# 3. Folders: the instance's data (index, database) belongs to the service user.
say "Mappen maken"
mkdir -p "$ETC" "$UNITS" "$(dirname "$BIN")" "$LIB/$INSTANCE/index" "$LIB/$INSTANCE/data"
chown "$SERVICE_USER:$GROUP" "$LIB/$INSTANCE" "$LIB/$INSTANCE/index" "$LIB/$INSTANCE/data"
chmod 750 "$LIB/$INSTANCE" "$LIB/$INSTANCE/index" "$LIB/$INSTANCE/data"
chmod 755 "$LIB"

# 4. The kennisbank: a new one starts with the national lines and an empty gemeente folder.
if [ ! -d "$KENNISBANK" ] || [ -z "$(find "$KENNISBANK" -name '*.md' -print -quit)" ]; then
    say "Nieuwe kennisbank in $KENNISBANK (landelijk/ en $INSTANCE/)"
    mkdir -p "$KENNISBANK/$INSTANCE"
    cp -R "$APP/kennisbank/landelijk" "$KENNISBANK/"
fi
# The service user reads (and, for imports through opvoedassistent.sh, writes) the kennisbank.
chown -R "$SERVICE_USER:$GROUP" "$KENNISBANK"
chmod -R u+rwX,go+rX "$KENNISBANK"

# 5. The settings file: written once, never overwritten; only root reads it (systemd passes
#    it to the bot).
if [ ! -e "$SETTINGS" ]; then
    say "Instellingen schrijven: $SETTINGS (vul het token in)"
    (umask 077 && fill "$APP/deploy/instance.env.example" >"$SETTINGS")
fi
chmod 600 "$SETTINGS"

# 6. The service unit and the command that runs assistent with an instance's settings.
say "systemd-unit en $BIN installeren"
fill "$APP/deploy/opvoedassistent@.service" >"$UNITS/opvoedassistent@.service"
chmod 644 "$UNITS/opvoedassistent@.service"
fill "$APP/deploy/opvoedassistent.sh" >"$BIN"
chmod 755 "$BIN"

# 7. Check the kennisbank and build the index, as the service user with this instance's
#    settings (never the demo kennisbank).
if [ "$DO_CHECK" -eq 1 ]; then
    say "Kennisbank controleren: $BIN $SETTINGS check"
    "$BIN" "$SETTINGS" check
fi
if [ "$DO_INDEX" -eq 1 ]; then
    say "Index bouwen: $BIN $SETTINGS index"
    "$BIN" "$SETTINGS" index
fi

# 8. Everything the bot reads must be readable for the service user.
if [ "$(id -u)" -eq 0 ] && [ "$SERVICE_USER" != root ]; then
    unreadable="$(cd / && runuser -u "$SERVICE_USER" -- find "$KENNISBANK" "$VENV" "$LIB/$INSTANCE" \
        ! -readable -print 2>&1 | head -5 || true)"
    if [ -n "$unreadable" ]; then
        echo "De service-gebruiker kan deze bestanden niet lezen:" >&2
        echo "$unreadable" >&2
        exit 5
    fi
fi

if [ "$DO_SYSTEMCTL" -eq 1 ]; then
    systemctl daemon-reload
    if grep -q '^ASSISTENT_TELEGRAM_TOKEN=.\+' "$SETTINGS"; then
        systemctl enable "opvoedassistent@$INSTANCE"
        systemctl restart "opvoedassistent@$INSTANCE"
        say "Gestart. Logs: journalctl -u opvoedassistent@$INSTANCE -f"
    else
        say "Zet het token in $SETTINGS en start: systemctl enable --now opvoedassistent@$INSTANCE"
    fi
else
    say "Klaar (zonder systemctl)."
fi
