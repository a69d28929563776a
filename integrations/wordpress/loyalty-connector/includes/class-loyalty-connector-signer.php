<?php
/**
 * Signs storefront calls for one customer, as the service verifies them
 * (adapters/woocommerce/storefront.py): hex HMAC-SHA256(secret, "{customer_id}:{timestamp}").
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Pure: no WordPress calls, so it is tested (and used from `php -r`) on its own.
 */
final class Loyalty_Connector_Signer {

	/**
	 * The shop's storefront secret (`loyalty shop storefront-secret ID`).
	 *
	 * @var string
	 */
	private string $secret;

	/**
	 * @param string $secret The shop's storefront secret.
	 */
	public function __construct( string $secret ) {
		$this->secret = $secret;
	}

	/**
	 * The signature of one customer id at one time.
	 *
	 * @param string $customer_id WordPress user id, "0" for a visitor.
	 * @param string $timestamp   Unix seconds.
	 */
	public function signature( string $customer_id, string $timestamp ): string {
		return hash_hmac( 'sha256', $customer_id . ':' . $timestamp, $this->secret );
	}

	/**
	 * The query parameters the service reads: customer, ts, sig.
	 *
	 * @param int $customer_id WordPress user id, 0 for a visitor.
	 * @param int $now         Unix seconds.
	 * @return array{customer: string, ts: string, sig: string}
	 */
	public function signed_query( int $customer_id, int $now ): array {
		$customer  = (string) max( 0, $customer_id );
		$timestamp = (string) $now;
		return array(
			'customer' => $customer,
			'ts'       => $timestamp,
			'sig'      => $this->signature( $customer, $timestamp ),
		);
	}
}
