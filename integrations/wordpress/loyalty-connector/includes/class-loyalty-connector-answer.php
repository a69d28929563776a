<?php
/**
 * One answer from the loyalty service, or the reason there is none.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Status 0 means no HTTP answer: not configured, or the service could not be reached.
 */
final class Loyalty_Connector_Answer {

	/**
	 * @param int    $status HTTP status, 0 without an answer.
	 * @param array  $data   The decoded JSON object (empty if none).
	 * @param string $code   The service's error code, or not-configured / unreachable / not-json.
	 * @param string $detail What went wrong, for the store owner (the service's error text).
	 */
	public function __construct(
		public readonly int $status,
		public readonly array $data,
		public readonly string $code = '',
		public readonly string $detail = ''
	) {}

	/**
	 * Settings are missing: nothing was asked.
	 */
	public static function not_configured(): self {
		return new self( 0, array(), 'not-configured', __( 'Set the service URL, shop id and storefront secret in Settings → Loyalty connector.', 'loyalty-connector' ) );
	}

	/**
	 * The request failed before an answer (down, DNS, timeout).
	 *
	 * @param string $detail The transport's message.
	 */
	public static function unreachable( string $detail ): self {
		return new self( 0, array(), 'unreachable', $detail );
	}

	/**
	 * An HTTP answer: a JSON object, or an error `{"error", "code"}`.
	 *
	 * @param int    $status HTTP status.
	 * @param string $body   Raw body.
	 */
	public static function from_http( int $status, string $body ): self {
		$data = json_decode( $body, true );
		if ( ! is_array( $data ) ) {
			return new self( $status, array(), 'not-json', sprintf( 'HTTP %d, not a JSON answer', $status ) );
		}
		if ( $status >= 200 && $status < 300 ) {
			return new self( $status, $data );
		}
		return new self( $status, $data, (string) ( $data['code'] ?? '' ), (string) ( $data['error'] ?? '' ) );
	}

	/**
	 * A 2xx JSON answer.
	 */
	public function ok(): bool {
		return $this->status >= 200 && $this->status < 300;
	}

	/**
	 * What the customer reads when there is no answer to show.
	 */
	public function customer_message(): string {
		if ( 'not-configured' === $this->code ) {
			return __( 'Points and rewards are not available on this store yet.', 'loyalty-connector' );
		}
		if ( 'unreachable' === $this->code || $this->status >= 500 ) {
			return __( 'We cannot reach our rewards service right now, so your points cannot be shown. Please try again in a few minutes.', 'loyalty-connector' );
		}
		if ( 401 === $this->status ) {
			return __( 'Your points cannot be shown right now because the rewards service did not accept this store\'s signature. Please try again later; the store owner has been shown what to fix.', 'loyalty-connector' );
		}
		return __( 'Your points cannot be shown right now. Please try again later.', 'loyalty-connector' );
	}

	/**
	 * What the store owner reads under the customer's message (only shown to managers).
	 */
	public function owner_detail(): string {
		$detail = '' === $this->detail ? sprintf( 'HTTP %d', $this->status ) : $this->detail;
		if ( 401 === $this->status ) {
			$detail .= ' — ' . __( 'check the shop id and storefront secret in Settings → Loyalty connector (`loyalty shop storefront-secret ID` prints the secret).', 'loyalty-connector' );
		}
		return $detail;
	}
}
