<?php
/**
 * PHPUnit bootstrap: a real WordPress site with the plugin (from the built zip) in
 * wp-content/plugins, not yet activated. See support/wordpress-site.php.
 */

require __DIR__ . '/support/wordpress-site.php';
require_once __DIR__ . '/support/class-service-double.php';
require_once __DIR__ . '/support/class-plugin-test-case.php';
