<?php
/**
 * My Account → Points & rewards: what the service answers for the logged-in customer.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Shows balance, pending points, tier, progress, history, affordable rewards (with a Redeem
 * button) and the referral link. Computes nothing: every number comes from the service.
 */
final class Loyalty_Connector_Account_Tab {

	public const ENDPOINT = 'points-and-rewards';

	/**
	 * Makes /my-account/points-and-rewards/ resolve.
	 */
	public static function register_endpoint(): void {
		add_rewrite_endpoint( self::ENDPOINT, EP_ROOT | EP_PAGES );
	}

	/**
	 * Forgets the endpoint, so the next rewrite flush leaves it out.
	 */
	public static function unregister_endpoint(): void {
		global $wp_rewrite;
		if ( $wp_rewrite instanceof WP_Rewrite ) {
			$wp_rewrite->endpoints = array_values(
				array_filter( $wp_rewrite->endpoints, static fn( array $endpoint ): bool => self::ENDPOINT !== $endpoint[1] )
			);
		}
	}

	/**
	 * Adds the tab before "Log out".
	 *
	 * @param array $items Menu items, endpoint => label.
	 */
	public static function add_menu_item( $items ): array {
		$items  = is_array( $items ) ? $items : array();
		$logout = isset( $items['customer-logout'] ) ? array( 'customer-logout' => $items['customer-logout'] ) : array();
		unset( $items['customer-logout'] );
		return $items + array( self::ENDPOINT => self::title() ) + $logout;
	}

	/**
	 * The tab's title.
	 */
	public static function title(): string {
		return __( 'Points & rewards', 'loyalty-connector' );
	}

	/**
	 * Prints the tab for the current user.
	 */
	public static function render(): void {
		$customer = get_current_user_id();
		$client   = Loyalty_Connector_Service_Client::from_settings();
		$balance  = $client->get( 'balance', $customer );
		$links    = $balance->ok() && ! empty( $balance->data['member'] ) ? $client->get( 'links', $customer ) : null;
		Loyalty_Connector_Template::render(
			'account-tab',
			array(
				'balance'     => $balance,
				'referral'    => null !== $links && $links->ok() ? (string) ( $links->data['referral']['url'] ?? '' ) : '',
				'notice'      => Loyalty_Connector_Redeem_Action::take_notice( $customer ),
				'show_detail' => current_user_can( 'manage_options' ),
			)
		);
	}
}
