#!/usr/bin/env bash
# The WordPress plugin's tests (integrations/wordpress) run Debian's PHP, PHPUnit and WordPress
# (files under /usr/share/wordpress) on MariaDB at 127.0.0.1:3306 (root, no password). Install
# what is missing and start MariaDB if it is down; fail with a clear message if that fails.
set -u
PACKAGES="php-cli php-mysql php-xml php-mbstring php-curl phpunit wordpress"
WORDPRESS=/usr/share/wordpress/wp-settings.php

present() {
  command -v php >/dev/null && command -v phpunit >/dev/null && [ -f "$WORDPRESS" ] \
    && php -r 'exit(extension_loaded("mysqli") && extension_loaded("curl") && extension_loaded("mbstring") && extension_loaded("dom") ? 0 : 1);'
}

versions() {
  echo "php: $(php -r 'echo PHP_VERSION;')"
  echo "phpunit: $(phpunit --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)"
  echo "wordpress: $(php -r "include '/usr/share/wordpress/wp-includes/version.php'; echo \$wp_version;")"
}

mariadb_up() {
  python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',3306)))"
}

ensure_mariadb() {
  if mariadb_up; then echo "mariadb: up at 127.0.0.1:3306"; return 0; fi
  if [ ! -x /usr/sbin/mariadbd ]; then
    echo "mariadb: not installed; installing Debian's mariadb-server"
    "$(dirname "$0")/apt-install.sh" /tmp/loyalty-apt-mariadb.log mariadb-server
  fi
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1
  for _ in $(seq 1 30); do mariadb_up && { echo "mariadb: started"; return 0; }; sleep 1; done
  echo "ERROR: the WordPress plugin tests need MariaDB at 127.0.0.1:3306 and it did not start." >&2
  echo "Start it with: start-stop-daemon --start --background --exec /usr/sbin/mariadbd" >&2
  exit 1
}

if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
if present; then
  versions
  ensure_mariadb
  exit 0
fi
echo "php: PHP, PHPUnit or WordPress missing; installing Debian's packages ($PACKAGES)"
# No recommends: the tests need neither WordPress's translations nor its default theme.
# shellcheck disable=SC2086
if APT_OPTIONS=--no-install-recommends "$(dirname "$0")/apt-install.sh" /tmp/loyalty-apt-php.log $PACKAGES && present; then
  echo "php: installed"
  versions
  ensure_mariadb
  exit 0
fi
echo "ERROR: the WordPress plugin tests need Debian's $PACKAGES and installing them failed" >&2
echo "(see /tmp/loyalty-apt-php.log). Install them with: apt-get install -y $PACKAGES" >&2
exit 1
