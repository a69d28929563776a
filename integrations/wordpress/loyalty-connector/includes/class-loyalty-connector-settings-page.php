<?php
/**
 * Settings → Loyalty connector: the three fields and the "Connect to loyalty service" button.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Built on the Settings API: options.php saves (nonce and `manage_options` checked there).
 */
final class Loyalty_Connector_Settings_Page {

	public const SLUG  = 'loyalty-connector';
	public const GROUP = 'loyalty_connector';

	/**
	 * Adds the page under Settings.
	 */
	public static function add_page(): void {
		add_options_page(
			__( 'Loyalty connector', 'loyalty-connector' ),
			__( 'Loyalty connector', 'loyalty-connector' ),
			'manage_options',
			self::SLUG,
			array( self::class, 'render' )
		);
	}

	/**
	 * Registers the option and its fields.
	 */
	public static function register(): void {
		register_setting(
			self::GROUP,
			Loyalty_Connector_Settings::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( Loyalty_Connector_Settings::class, 'sanitize' ),
				'default'           => Loyalty_Connector_Settings::DEFAULTS,
			)
		);
		add_settings_section( 'loyalty_connector_service', __( 'Your loyalty service', 'loyalty-connector' ), '__return_false', self::SLUG );
		$fields = array(
			'service_url'       => array( __( 'Service URL', 'loyalty-connector' ), 'url', __( 'Where your loyalty service answers, such as https://loyalty.example.com.', 'loyalty-connector' ) ),
			'shop_id'           => array( __( 'Shop id', 'loyalty-connector' ), 'text', __( 'The number the service gave this store when it was connected.', 'loyalty-connector' ) ),
			'storefront_secret' => array( __( 'Storefront secret', 'loyalty-connector' ), 'password', __( 'Printed on the service by `loyalty shop storefront-secret ID`. Leave empty to keep the saved secret.', 'loyalty-connector' ) ),
		);
		foreach ( $fields as $key => list( $label, $type, $help ) ) {
			add_settings_field(
				'loyalty_connector_' . $key,
				$label,
				array( self::class, 'render_field' ),
				self::SLUG,
				'loyalty_connector_service',
				array(
					'key'       => $key,
					'type'      => $type,
					'help'      => $help,
					'label_for' => 'loyalty_connector_' . $key,
				)
			);
		}
	}

	/**
	 * One input. The secret is never printed back into the page.
	 *
	 * @param array $field key, type, help.
	 */
	public static function render_field( array $field ): void {
		$settings = Loyalty_Connector_Settings::get();
		$value    = 'password' === $field['type'] ? '' : $settings[ $field['key'] ];
		printf(
			'<input type="%1$s" id="loyalty_connector_%2$s" name="%3$s[%2$s]" value="%4$s" class="regular-text" autocomplete="off" /><p class="description">%5$s</p>',
			esc_attr( $field['type'] ),
			esc_attr( $field['key'] ),
			esc_attr( Loyalty_Connector_Settings::OPTION ),
			esc_attr( $value ),
			esc_html( $field['help'] )
		);
		if ( 'password' === $field['type'] && '' !== $settings['storefront_secret'] ) {
			echo '<p class="description">' . esc_html__( 'A secret is saved.', 'loyalty-connector' ) . '</p>';
		}
	}

	/**
	 * Where the button sends the store owner: the service's wc-auth connect flow. The service
	 * asks for its operator password there (HTTP Basic, LOYALTY_ADMIN_PASSWORD) or an
	 * operator signed in at /admin; the plugin never sees or stores that password.
	 *
	 * @param string $service_url Saved service URL, '' if none.
	 */
	public static function connect_url( string $service_url ): string {
		if ( '' === $service_url ) {
			return '';
		}
		return $service_url . '/woocommerce/connect?store_url=' . rawurlencode( home_url() );
	}

	/**
	 * The page.
	 */
	public static function render(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to change the loyalty connector settings.', 'loyalty-connector' ), 403 );
		}
		$settings = Loyalty_Connector_Settings::get();
		Loyalty_Connector_Template::render(
			'settings-page',
			array(
				'connect_url' => self::connect_url( $settings['service_url'] ),
				'service_url' => $settings['service_url'],
				'store_url'   => home_url(),
				'complete'    => Loyalty_Connector_Settings::is_complete( $settings ),
			)
		);
	}
}
