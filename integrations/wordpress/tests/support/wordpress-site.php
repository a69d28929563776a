<?php
/**
 * A throwaway WordPress site for the tests: Debian's WordPress (/usr/share/wordpress) on a
 * fresh MariaDB database, with wp-content in a temporary folder holding the plugin unzipped
 * from the zip build-zip.sh makes. The database and the folder are removed at exit.
 *
 * Include it from any scope (PHPUnit loads its bootstrap inside a function): WordPress's
 * globals are declared here. Settings come from the environment:
 * LOYALTY_WP_ROOT, LOYALTY_WP_DB_HOST (127.0.0.1:3306), LOYALTY_WP_DB_USER (root),
 * LOYALTY_WP_DB_PASSWORD ('').
 */

// phpcs:disable WordPress.NamingConventions.PrefixAllGlobals -- WordPress's own globals.
global $wpdb, $wp_rewrite, $wp, $wp_query, $wp_the_query, $wp_version, $table_prefix, $current_user,
	$wp_roles, $wp_locale, $wp_filter, $wp_actions, $wp_current_filter, $wp_object_cache, $blog_id,
	$wp_db_version, $wp_embed, $wp_widget_factory, $wp_textdomain_registry, $pagenow;

require_once __DIR__ . '/site-files.php';

$loyalty_site = Loyalty_Test_Site_Files::create();

define( 'ABSPATH', rtrim( getenv( 'LOYALTY_WP_ROOT' ) ?: '/usr/share/wordpress', '/' ) . '/' );
define( 'DB_NAME', $loyalty_site->database );
define( 'DB_USER', Loyalty_Test_Site_Files::env( 'LOYALTY_WP_DB_USER', 'root' ) );
define( 'DB_PASSWORD', Loyalty_Test_Site_Files::env( 'LOYALTY_WP_DB_PASSWORD', '' ) );
define( 'DB_HOST', Loyalty_Test_Site_Files::env( 'LOYALTY_WP_DB_HOST', '127.0.0.1:3306' ) );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
define( 'WP_CONTENT_DIR', $loyalty_site->content_dir );
define( 'WP_CONTENT_URL', 'http://store.example.test/wp-content' );
define( 'WP_HOME', 'http://store.example.test' );
define( 'WP_SITEURL', 'http://store.example.test' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', true );
define( 'WP_DEBUG_LOG', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
// Nothing leaves the machine; the running service on 127.0.0.1 stays reachable.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1' );
define( 'WP_INSTALLING', true );
$table_prefix = 'wp_';

$_SERVER['HTTP_HOST']       = 'store.example.test';
$_SERVER['SERVER_NAME']     = 'store.example.test';
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

// WordPress 6.1 predates PHP 8.2: its deprecation notices while loading are not what these
// tests check, so they are dropped (only those, and only while WordPress loads).
set_error_handler( static fn( int $level, string $message, string $file ): bool => str_starts_with( $file, ABSPATH ), E_DEPRECATED | E_USER_DEPRECATED );
require ABSPATH . 'wp-settings.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

add_filter( 'pre_wp_mail', '__return_true' ); // The install's "new site" mail goes nowhere.
add_filter( 'got_rewrite', '__return_false' ); // Never write an .htaccess into ABSPATH.
wp_install( 'Loyalty test store', 'admin', 'admin@store.example.test', false, '', wp_generate_password() );
wp_installing( false );
restore_error_handler();
error_reporting( E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED );

require_once __DIR__ . '/woocommerce-stubs.php';

/**
 * The plugin's main file in the test site's wp-content/plugins.
 */
function loyalty_test_plugin_file(): string {
	return WP_PLUGIN_DIR . '/loyalty-connector/loyalty-connector.php';
}
