<?php
/**
 * The three settings (service URL, shop id, storefront secret): reading and sanitising them.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * One option, `loyalty_connector_settings`, an array of the three values.
 */
final class Loyalty_Connector_Settings {

	public const OPTION   = 'loyalty_connector_settings';
	public const DEFAULTS = array(
		'service_url'       => '',
		'shop_id'           => '',
		'storefront_secret' => '',
	);

	/**
	 * The saved settings, with every key present.
	 *
	 * @return array{service_url: string, shop_id: string, storefront_secret: string}
	 */
	public static function get(): array {
		$saved = get_option( self::OPTION, array() );
		$saved = is_array( $saved ) ? array_intersect_key( $saved, self::DEFAULTS ) : array();
		return array_map( 'strval', array_merge( self::DEFAULTS, $saved ) );
	}

	/**
	 * Whether the service can be called: all three values are set.
	 *
	 * @param array $settings As returned by get().
	 */
	public static function is_complete( array $settings ): bool {
		return '' !== $settings['service_url'] && '' !== $settings['shop_id'] && '' !== $settings['storefront_secret'];
	}

	/**
	 * The Settings API's sanitize callback. A wrong value is refused with a message saying what
	 * to enter, and the saved value is kept; an empty secret keeps the saved secret (the field is
	 * never printed back).
	 *
	 * @param mixed $input The submitted values.
	 * @return array The values to store.
	 */
	public static function sanitize( $input ): array {
		$input = is_array( $input ) ? $input : array();
		$saved = self::get();
		$clean = $saved;

		$url = self::service_url( (string) ( $input['service_url'] ?? '' ) );
		if ( null === $url ) {
			self::refuse( 'service_url', __( 'Service URL: enter the address of your loyalty service, such as https://loyalty.example.com.', 'loyalty-connector' ) );
		} else {
			$clean['service_url'] = $url;
		}

		$shop_id = trim( (string) ( $input['shop_id'] ?? '' ) );
		if ( '' !== $shop_id && ! ctype_digit( $shop_id ) ) {
			self::refuse( 'shop_id', __( 'Shop id: enter the number the service gave this store (see `loyalty shop list`).', 'loyalty-connector' ) );
		} else {
			$clean['shop_id'] = '' === $shop_id ? '' : (string) absint( $shop_id );
		}

		$secret = trim( (string) ( $input['storefront_secret'] ?? '' ) );
		if ( '' !== $secret && ! preg_match( '/^[\x21-\x7e]{8,200}$/', $secret ) ) {
			self::refuse( 'storefront_secret', __( 'Storefront secret: paste the secret printed by `loyalty shop storefront-secret ID`, without spaces.', 'loyalty-connector' ) );
		} elseif ( '' !== $secret ) {
			$clean['storefront_secret'] = $secret;
		}
		return $clean;
	}

	/**
	 * The service URL without a trailing slash, '' when left empty, null when not http(s).
	 *
	 * @param string $raw As typed.
	 */
	private static function service_url( string $raw ): ?string {
		$raw = trim( $raw );
		if ( '' === $raw ) {
			return '';
		}
		$parts = wp_parse_url( $raw );
		if ( ! is_array( $parts ) || ! in_array( $parts['scheme'] ?? '', array( 'http', 'https' ), true )
			|| empty( $parts['host'] ) || isset( $parts['user'] ) || isset( $parts['query'] ) ) {
			return null;
		}
		return untrailingslashit( esc_url_raw( $raw, array( 'http', 'https' ) ) );
	}

	/**
	 * Shows a refusal on the settings page (outside the admin, nothing to show it on).
	 *
	 * @param string $field   The field's key.
	 * @param string $message What was wrong and what to enter.
	 */
	private static function refuse( string $field, string $message ): void {
		if ( function_exists( 'add_settings_error' ) ) {
			add_settings_error( self::OPTION, $field, $message );
		}
	}
}
