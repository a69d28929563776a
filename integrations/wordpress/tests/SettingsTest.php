<?php
/**
 * Settings → Loyalty connector: what is stored, what is refused, and where the connect button
 * leads.
 */

final class SettingsTest extends Loyalty_Plugin_Test_Case {

	protected function setUp(): void {
		parent::setUp();
		global $wp_settings_errors;
		$wp_settings_errors = array();
	}

	public function test_valid_values_are_stored_without_the_trailing_slash(): void {
		$clean = Loyalty_Connector_Settings::sanitize(
			array(
				'service_url'       => ' https://points.example.org/ ',
				'shop_id'           => '12',
				'storefront_secret' => 'Zx_9-secret-value-43chars',
			)
		);
		$this->assertSame(
			array(
				'service_url'       => 'https://points.example.org',
				'shop_id'           => '12',
				'storefront_secret' => 'Zx_9-secret-value-43chars',
			),
			$clean
		);
		$this->assertSame( array(), get_settings_errors( Loyalty_Connector_Settings::OPTION ) );
	}

	public function test_a_url_that_is_not_http_is_refused_with_a_message_and_the_saved_one_kept(): void {
		$clean = Loyalty_Connector_Settings::sanitize( array( 'service_url' => 'javascript:alert(1)' ) + self::SETTINGS );
		$this->assertSame( self::SERVICE, $clean['service_url'] );
		$this->assertSame(
			array( 'Service URL: enter the address of your loyalty service, such as https://loyalty.example.com.' ),
			array_column( get_settings_errors( Loyalty_Connector_Settings::OPTION ), 'message' )
		);
	}

	public function test_a_shop_id_that_is_not_a_number_is_refused(): void {
		$clean = Loyalty_Connector_Settings::sanitize( array( 'shop_id' => '7; DROP' ) + self::SETTINGS );
		$this->assertSame( '7', $clean['shop_id'] );
		$this->assertStringStartsWith( 'Shop id: enter the number', get_settings_errors( Loyalty_Connector_Settings::OPTION )[0]['message'] );
	}

	public function test_an_empty_secret_keeps_the_saved_secret_and_one_with_spaces_is_refused(): void {
		$this->assertSame( self::SECRET, Loyalty_Connector_Settings::sanitize( array( 'storefront_secret' => '' ) + self::SETTINGS )['storefront_secret'] );
		$this->assertSame( self::SECRET, Loyalty_Connector_Settings::sanitize( array( 'storefront_secret' => 'has a space in it' ) + self::SETTINGS )['storefront_secret'] );
		$this->assertStringStartsWith( 'Storefront secret: paste', get_settings_errors( Loyalty_Connector_Settings::OPTION )[0]['message'] );
	}

	public function test_saving_through_the_settings_api_runs_the_sanitizer(): void {
		Loyalty_Connector_Settings_Page::register();
		update_option( Loyalty_Connector_Settings::OPTION, array( 'service_url' => 'https://points.example.org/' ) + self::SETTINGS );
		$this->assertSame( 'https://points.example.org', Loyalty_Connector_Settings::get()['service_url'] );
		unregister_setting( Loyalty_Connector_Settings_Page::GROUP, Loyalty_Connector_Settings::OPTION );
	}

	public function test_the_page_links_the_connect_button_to_the_service_and_never_prints_the_secret(): void {
		$this->log_in( 'owner', 'administrator' );
		Loyalty_Connector_Settings_Page::register();
		$html = $this->output_of( array( Loyalty_Connector_Settings_Page::class, 'render' ) );
		unregister_setting( Loyalty_Connector_Settings_Page::GROUP, Loyalty_Connector_Settings::OPTION );

		$this->assertStringContainsString( 'href="https://loyalty.example.com/woocommerce/connect?store_url=http%3A%2F%2Fstore.example.test"', $html );
		$this->assertStringContainsString( 'Connect to loyalty service', $html );
		$this->assertStringContainsString( 'operator password (LOYALTY_ADMIN_PASSWORD on the service)', $html );
		$this->assertStringContainsString( 'name="_wpnonce"', $html );
		$this->assertStringContainsString( 'value="https://loyalty.example.com"', $html );
		$this->assertStringNotContainsString( self::SECRET, $html );
	}

	public function test_without_a_service_url_the_page_says_to_save_one_first(): void {
		update_option( Loyalty_Connector_Settings::OPTION, Loyalty_Connector_Settings::DEFAULTS );
		$this->log_in( 'owner', 'administrator' );
		$html = $this->output_of( array( Loyalty_Connector_Settings_Page::class, 'render' ) );
		$this->assertStringContainsString( 'Save the service URL first', $html );
		$this->assertStringNotContainsString( '/woocommerce/connect', $html );
	}
}
