<?php
/**
 * Answers WordPress's HTTP API in place of the loyalty service, through the
 * `pre_http_request` filter, and records what was asked.
 */

/**
 * One double per test; removed in tearDown.
 */
final class Loyalty_Test_Service_Double {

	/**
	 * Answers by action: status and JSON body, or a WP_Error.
	 *
	 * @var array<string, array|WP_Error>
	 */
	private array $answers = array();

	/**
	 * Every request: url, method, body, timeout.
	 *
	 * @var array<int, array{url: string, method: string, body: mixed, timeout: float}>
	 */
	public array $requests = array();

	/**
	 * Starts answering.
	 */
	public function __construct() {
		add_filter( 'pre_http_request', array( $this, 'respond' ), 10, 3 );
	}

	/**
	 * Stops answering.
	 */
	public function stop(): void {
		remove_filter( 'pre_http_request', array( $this, 'respond' ), 10 );
	}

	/**
	 * The service answers this action with this status and JSON.
	 *
	 * @param string $action The storefront action.
	 * @param int    $status HTTP status.
	 * @param mixed  $json   Encoded as the body.
	 */
	public function answer( string $action, int $status, $json ): self {
		$this->answers[ $action ] = array( $status, $json );
		return $this;
	}

	/**
	 * The action answers a body that is not JSON (a proxy's error page, say).
	 *
	 * @param string $action The storefront action.
	 * @param int    $status HTTP status.
	 * @param string $body   Raw body.
	 */
	public function raw( string $action, int $status, string $body ): self {
		$this->answers[ $action ] = array( $status, $body, 'raw' );
		return $this;
	}

	/**
	 * The service cannot be reached (connection refused).
	 *
	 * @param string $action The storefront action.
	 */
	public function down( string $action ): self {
		$this->answers[ $action ] = new WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect to loyalty.example.com port 443: Connection refused' );
		return $this;
	}

	/**
	 * The pre_http_request filter.
	 *
	 * @param mixed  $preempt Unused.
	 * @param array  $args    Request arguments.
	 * @param string $url     Request URL.
	 * @return array|WP_Error
	 */
	public function respond( $preempt, $args, $url ) {
		$this->requests[] = array(
			'url'     => $url,
			'method'  => $args['method'],
			'body'    => $args['body'] ?? null,
			'timeout' => $args['timeout'],
		);
		$action = basename( (string) wp_parse_url( $url, PHP_URL_PATH ) );
		$answer = $this->answers[ $action ] ?? array( 404, array( 'error' => "no storefront action '$action'", 'code' => 'not-found' ) );
		if ( is_wp_error( $answer ) ) {
			return $answer;
		}
		return array(
			'headers'  => array( 'content-type' => 'application/json' ),
			'body'     => isset( $answer[2] ) ? $answer[1] : wp_json_encode( $answer[1] ),
			'response' => array(
				'code'    => $answer[0],
				'message' => get_status_header_desc( $answer[0] ),
			),
			'cookies'  => array(),
			'filename' => null,
		);
	}

	/**
	 * The query parameters of request N.
	 *
	 * @param int $index Which request.
	 */
	public function query( int $index ): array {
		parse_str( (string) wp_parse_url( $this->requests[ $index ]['url'], PHP_URL_QUERY ), $query );
		return $query;
	}
}
