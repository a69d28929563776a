<?php
/**
 * The few WooCommerce functions the plugin calls, standing in for WooCommerce itself.
 */

// phpcs:disable WordPress.NamingConventions.PrefixAllGlobals -- WooCommerce's own names.

/**
 * A cart with a fixed merchandise total.
 */
final class Loyalty_Test_Cart {

	/**
	 * @param string $contents_total Merchandise after discounts.
	 */
	public function __construct( public string $contents_total = '42.50' ) {}

	/**
	 * As WC_Cart::get_cart_contents_total().
	 */
	public function get_cart_contents_total(): string {
		return $this->contents_total;
	}
}

/**
 * Stands in for the WooCommerce main class.
 */
final class WooCommerce {

	/**
	 * @var Loyalty_Test_Cart|null
	 */
	public $cart;

	/**
	 * @var WooCommerce|null
	 */
	public static $instance;
}

/**
 * As WooCommerce's WC().
 */
function WC(): WooCommerce { // phpcs:ignore WordPress.NamingConventions.ValidFunctionName
	WooCommerce::$instance ??= new WooCommerce();
	return WooCommerce::$instance;
}

/**
 * As WooCommerce's wc_get_account_endpoint_url().
 *
 * @param string $endpoint Endpoint slug.
 */
function wc_get_account_endpoint_url( string $endpoint ): string {
	return home_url( '/my-account/' . $endpoint . '/' );
}

/**
 * As WooCommerce's get_woocommerce_currency().
 */
function get_woocommerce_currency(): string {
	return 'USD';
}

/**
 * As WooCommerce's wc_format_decimal(), for the plain numbers the tests use.
 *
 * @param mixed $number A number.
 */
function wc_format_decimal( $number ): string {
	return (string) $number;
}
