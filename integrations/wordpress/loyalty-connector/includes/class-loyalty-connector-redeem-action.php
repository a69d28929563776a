<?php
/**
 * The Redeem button: WordPress checks the nonce and the login, then asks the service's
 * `redeem` action for a code. The request id comes from the form, so a double click or a
 * resubmitted form redeems once.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * admin-post.php?action=loyalty_connector_redeem, logged-in customers only.
 */
final class Loyalty_Connector_Redeem_Action {

	public const ACTION        = 'loyalty_connector_redeem';
	private const NOTICE       = 'loyalty_connector_notice_';
	private const NOTICE_TTL   = 300;
	private const MAX_ID_CHARS = 100;

	/**
	 * Handles the form post, then sends the customer back to the tab.
	 */
	public static function handle(): void {
		check_admin_referer( self::ACTION );
		$customer = get_current_user_id();
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked above.
		$reward = sanitize_text_field( wp_unslash( $_POST['reward'] ?? '' ) );
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked above.
		$request_id = sanitize_text_field( wp_unslash( $_POST['request_id'] ?? '' ) );
		set_transient( self::NOTICE . $customer, self::redeem( $customer, $reward, $request_id ), self::NOTICE_TTL );
		wp_safe_redirect( self::tab_url() );
		exit;
	}

	/**
	 * Asks the service to redeem; returns the notice the customer sees next.
	 *
	 * @param int    $customer   WordPress user id.
	 * @param string $reward     The reward id.
	 * @param string $request_id One per rendered button.
	 * @return array{kind: string, message: string}
	 */
	public static function redeem( int $customer, string $reward, string $request_id ): array {
		if ( $customer <= 0 || '' === $reward || '' === $request_id ) {
			return self::notice( 'error', __( 'Log in and use the Redeem button on this page to redeem a reward.', 'loyalty-connector' ) );
		}
		$answer = Loyalty_Connector_Service_Client::from_settings()->post(
			'redeem',
			$customer,
			array(
				'reward'     => $reward,
				'request_id' => substr( $request_id, 0, self::MAX_ID_CHARS ),
			)
		);
		if ( $answer->ok() && isset( $answer->data['code'] ) ) {
			/* translators: 1: reward, 2: discount code */
			return self::notice( 'success', sprintf( __( 'Redeemed %1$s. Your code: %2$s — enter it at checkout.', 'loyalty-connector' ), $reward, (string) $answer->data['code'] ) );
		}
		if ( 409 === $answer->status && '' !== $answer->detail ) {
			/* translators: %s: why the service refused, in its words */
			return self::notice( 'error', sprintf( __( 'This reward could not be redeemed: %s', 'loyalty-connector' ), $answer->detail ) );
		}
		return self::notice( 'error', $answer->customer_message() );
	}

	/**
	 * The notice left for this customer by their last redeem, once.
	 *
	 * @param int $customer WordPress user id.
	 */
	public static function take_notice( int $customer ): ?array {
		if ( $customer <= 0 ) {
			return null;
		}
		$notice = get_transient( self::NOTICE . $customer );
		if ( false === $notice ) {
			return null;
		}
		delete_transient( self::NOTICE . $customer );
		return is_array( $notice ) ? $notice : null;
	}

	/**
	 * The tab's address, where the customer returns.
	 */
	private static function tab_url(): string {
		if ( function_exists( 'wc_get_account_endpoint_url' ) ) {
			return wc_get_account_endpoint_url( Loyalty_Connector_Account_Tab::ENDPOINT );
		}
		return home_url( '/' );
	}

	/**
	 * One notice.
	 *
	 * @param string $kind    success | error.
	 * @param string $message What happened.
	 */
	private static function notice( string $kind, string $message ): array {
		return array(
			'kind'    => $kind,
			'message' => $message,
		);
	}
}
