<?php
/**
 * Calls the service's WooCommerce storefront endpoints, signed for one customer:
 * {service_url}/storefront/woocommerce/{shop_id}/{action}?customer=…&ts=…&sig=…
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every request has a timeout; every failure comes back as an answer, never an exception.
 */
final class Loyalty_Connector_Service_Client {

	public const TIMEOUT_SECONDS = 5;

	/**
	 * @param array $settings As Loyalty_Connector_Settings::get() returns them.
	 */
	public function __construct( private array $settings ) {}

	/**
	 * A client with the saved settings.
	 */
	public static function from_settings(): self {
		return new self( Loyalty_Connector_Settings::get() );
	}

	/**
	 * GET an action for a customer.
	 *
	 * @param string $action      balance, rewards, links…
	 * @param int    $customer_id WordPress user id, 0 for a visitor.
	 * @param array  $params      More query parameters.
	 */
	public function get( string $action, int $customer_id, array $params = array() ): Loyalty_Connector_Answer {
		if ( ! Loyalty_Connector_Settings::is_complete( $this->settings ) ) {
			return Loyalty_Connector_Answer::not_configured();
		}
		$response = wp_remote_get( $this->url( $action, $customer_id, $params ), $this->request_args() );
		return $this->answer( $response );
	}

	/**
	 * POST an action for a customer; the body is sent as a form.
	 *
	 * @param string $action      redeem, join.
	 * @param int    $customer_id WordPress user id.
	 * @param array  $body        Form fields.
	 */
	public function post( string $action, int $customer_id, array $body ): Loyalty_Connector_Answer {
		if ( ! Loyalty_Connector_Settings::is_complete( $this->settings ) ) {
			return Loyalty_Connector_Answer::not_configured();
		}
		$args         = $this->request_args();
		$args['body'] = $body;
		return $this->answer( wp_remote_post( $this->url( $action, $customer_id, array() ), $args ) );
	}

	/**
	 * The signed URL of one action.
	 *
	 * @param string $action      The action.
	 * @param int    $customer_id WordPress user id.
	 * @param array  $params      More query parameters.
	 */
	public function url( string $action, int $customer_id, array $params ): string {
		$signer = new Loyalty_Connector_Signer( $this->settings['storefront_secret'] );
		$query  = array_merge( $params, $signer->signed_query( $customer_id, time() ) );
		$base   = sprintf( '%s/storefront/woocommerce/%s/%s', $this->settings['service_url'], rawurlencode( $this->settings['shop_id'] ), rawurlencode( $action ) );
		return $base . '?' . http_build_query( $query, '', '&', PHP_QUERY_RFC3986 );
	}

	/**
	 * Arguments shared by every request.
	 */
	private function request_args(): array {
		return array(
			'timeout'     => self::TIMEOUT_SECONDS,
			'redirection' => 0,
			'headers'     => array( 'Accept' => 'application/json' ),
		);
	}

	/**
	 * The answer for a wp_remote_* result.
	 *
	 * @param array|WP_Error $response What WordPress's HTTP API returned.
	 */
	private function answer( $response ): Loyalty_Connector_Answer {
		if ( is_wp_error( $response ) ) {
			return Loyalty_Connector_Answer::unreachable( $response->get_error_message() );
		}
		return Loyalty_Connector_Answer::from_http( (int) wp_remote_retrieve_response_code( $response ), (string) wp_remote_retrieve_body( $response ) );
	}
}
