<?php
/**
 * The "points you will earn" line on the cart and checkout totals.
 *
 * The service decides what an order earns (rates, tier multipliers, excluded products,
 * rounding); this plugin never computes points. The line asks the service's `estimate` action
 * and is printed only when the service answers it with `{"points": N}`. A service without that
 * action answers 404 `not-found`: then nothing is printed, and the plugin stops asking for an
 * hour.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Prints a table row inside WooCommerce's totals table, or nothing.
 */
final class Loyalty_Connector_Cart_Line {

	public const ACTION      = 'estimate';
	public const UNSUPPORTED = 'loyalty_connector_estimate_unsupported';

	/**
	 * Prints the line for the current cart.
	 */
	public static function render(): void {
		$cart = function_exists( 'WC' ) ? WC()->cart : null;
		if ( ! is_object( $cart ) || false !== get_transient( self::UNSUPPORTED ) ) {
			return;
		}
		$total  = $cart->get_cart_contents_total();
		$amount = function_exists( 'wc_format_decimal' ) ? (string) wc_format_decimal( $total ) : (string) $total;
		$points = self::estimate( get_current_user_id(), $amount, self::currency() );
		if ( null !== $points ) {
			Loyalty_Connector_Template::render( 'cart-line', array( 'points' => $points ) );
		}
	}

	/**
	 * The points the service says this cart earns, or null when it gives no such answer.
	 *
	 * @param int    $customer WordPress user id, 0 for a visitor.
	 * @param string $amount   The cart's merchandise total after discounts.
	 * @param string $currency ISO currency code.
	 */
	public static function estimate( int $customer, string $amount, string $currency ): ?int {
		$answer = Loyalty_Connector_Service_Client::from_settings()->get(
			self::ACTION,
			$customer,
			array(
				'amount'   => $amount,
				'currency' => $currency,
			)
		);
		if ( 404 === $answer->status && 'not-found' === $answer->code ) {
			set_transient( self::UNSUPPORTED, 1, HOUR_IN_SECONDS );
			return null;
		}
		$points = $answer->data['points'] ?? null;
		return $answer->ok() && is_int( $points ) && $points > 0 ? $points : null;
	}

	/**
	 * The store's currency.
	 */
	private static function currency(): string {
		return function_exists( 'get_woocommerce_currency' ) ? (string) get_woocommerce_currency() : '';
	}
}
