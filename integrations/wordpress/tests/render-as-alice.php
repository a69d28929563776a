<?php
/**
 * Prints what the plugin shows WordPress user 2 (Alice), with the settings pointing at a
 * running loyalty service: LOYALTY_SERVICE_URL, LOYALTY_SHOP_ID, LOYALTY_STOREFRONT_SECRET.
 * Real HTTP (wp_remote_get) to the service. Exits 1 on any PHP warning or notice.
 *
 * Usage: php render-as-alice.php account|cart   (tests/integrations/test_wordpress_live_service.py)
 *   account: the My Account → Points & rewards tab.
 *   cart:    the cart totals' points line (for a 42.50 cart), then "unsupported-remembered"
 *            if the plugin noted that the service has no estimate action.
 */

require __DIR__ . '/support/wordpress-site.php';

$loyalty_problems = array();
set_error_handler(
	static function ( int $level, string $message, string $file, int $line ) use ( &$loyalty_problems ): bool {
		// WordPress 6.1's own PHP 8.2 deprecations (its HTTP library loads lazily) are not ours.
		if ( E_DEPRECATED === $level && str_starts_with( $file, ABSPATH ) ) {
			return true;
		}
		$loyalty_problems[] = "PHP error $level: $message in $file:$line";
		return true;
	}
);

$loyalty_activated = activate_plugin( 'loyalty-connector/loyalty-connector.php' );
if ( is_wp_error( $loyalty_activated ) ) {
	fwrite( STDERR, 'activation failed: ' . $loyalty_activated->get_error_message() . "\n" );
	exit( 1 );
}
update_option(
	Loyalty_Connector_Settings::OPTION,
	array(
		'service_url'       => (string) getenv( 'LOYALTY_SERVICE_URL' ),
		'shop_id'           => (string) getenv( 'LOYALTY_SHOP_ID' ),
		'storefront_secret' => (string) getenv( 'LOYALTY_STOREFRONT_SECRET' ),
	)
);
$loyalty_alice = wp_insert_user(
	array(
		'user_login' => 'alice',
		'user_email' => 'alice@example.com',
		'user_pass'  => wp_generate_password(),
		'role'       => 'subscriber',
	)
);
if ( 2 !== $loyalty_alice ) {
	fwrite( STDERR, 'expected Alice to be WordPress user 2, got ' . print_r( $loyalty_alice, true ) . "\n" );
	exit( 1 );
}
wp_set_current_user( $loyalty_alice );
if ( 'cart' === ( $argv[1] ?? '' ) ) {
	WC()->cart = new Loyalty_Test_Cart( '42.50' );
	do_action( 'woocommerce_cart_totals_after_order_total' );
	echo false === get_transient( Loyalty_Connector_Cart_Line::UNSUPPORTED ) ? '' : 'unsupported-remembered';
} else {
	do_action( 'woocommerce_account_' . Loyalty_Connector_Account_Tab::ENDPOINT . '_endpoint', '' );
}

if ( $loyalty_problems ) {
	fwrite( STDERR, implode( "\n", $loyalty_problems ) . "\n" );
	exit( 1 );
}
