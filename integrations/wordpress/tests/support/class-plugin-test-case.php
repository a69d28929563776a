<?php
/**
 * Base for the plugin's tests: the plugin is loaded, settings point at a fake service, the
 * service double answers HTTP, and each test leaves options, user and transients as it found
 * them.
 */

use PHPUnit\Framework\TestCase;

/**
 * Shared set-up.
 */
abstract class Loyalty_Plugin_Test_Case extends TestCase {

	public const SECRET   = 'a-storefront-secret';
	public const SERVICE  = 'https://loyalty.example.com';
	public const SETTINGS = array(
		'service_url'       => self::SERVICE,
		'shop_id'           => '7',
		'storefront_secret' => self::SECRET,
	);

	protected Loyalty_Test_Service_Double $service;

	/**
	 * Loads the plugin as WordPress does for an active plugin.
	 */
	public static function setUpBeforeClass(): void {
		include_once loyalty_test_plugin_file();
	}

	protected function setUp(): void {
		update_option( Loyalty_Connector_Settings::OPTION, self::SETTINGS );
		$this->service = new Loyalty_Test_Service_Double();
	}

	protected function tearDown(): void {
		$this->service->stop();
		delete_option( Loyalty_Connector_Settings::OPTION );
		delete_transient( Loyalty_Connector_Cart_Line::UNSUPPORTED );
		wp_set_current_user( 0 );
		WC()->cart = null;
	}

	/**
	 * A customer account, logged in; returns its id.
	 *
	 * @param string $login User name.
	 * @param string $role  WordPress role.
	 */
	protected function log_in( string $login = 'alice', string $role = 'subscriber' ): int {
		$user = get_user_by( 'login', $login );
		$id   = $user ? $user->ID : wp_insert_user(
			array(
				'user_login' => $login,
				'user_email' => $login . '@example.com',
				'user_pass'  => wp_generate_password(),
				'role'       => $role,
			)
		);
		wp_set_current_user( $id );
		return $id;
	}

	/**
	 * What a callable prints.
	 *
	 * @param callable $render Prints HTML.
	 */
	protected function output_of( callable $render ): string {
		ob_start();
		try {
			$render();
		} finally {
			$html = ob_get_clean();
		}
		return $html;
	}
}
