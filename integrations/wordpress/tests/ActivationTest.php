<?php
/**
 * The plugin as WordPress installs it: unzipped from the built zip, activated with
 * activate_plugin(), deactivated, then uninstalled.
 */

use PHPUnit\Framework\TestCase;

final class ActivationTest extends TestCase {

	private const PLUGIN = 'loyalty-connector/loyalty-connector.php';

	/**
	 * The rewrite rules that point at the tab's endpoint.
	 */
	private function endpoint_rules(): array {
		return array_filter( (array) get_option( 'rewrite_rules' ), static fn( $query ) => str_contains( (string) $query, 'points-and-rewards=' ) );
	}

	public function test_activating_deactivating_and_uninstalling(): void {
		global $wp_rewrite;
		$wp_rewrite->set_permalink_structure( '/%postname%/' );
		delete_option( 'loyalty_connector_settings' );
		$this->assertArrayHasKey( self::PLUGIN, get_plugins(), 'the zip holds loyalty-connector/loyalty-connector.php' );
		$this->assertSame( '0.1.0', get_plugins()[ self::PLUGIN ]['Version'] );
		$this->assertSame( '8.1', get_plugins()[ self::PLUGIN ]['RequiresPHP'] );

		$this->assertNull( activate_plugin( self::PLUGIN ) ); // A WP_Error if it printed anything.
		$this->assertTrue( is_plugin_active( self::PLUGIN ) );
		$this->assertSame( array( 'service_url' => '', 'shop_id' => '', 'storefront_secret' => '' ), get_option( 'loyalty_connector_settings' ) );
		$this->assertNotEmpty( $this->endpoint_rules(), 'the My Account endpoint has rewrite rules' );
		$this->assertContains( 'points-and-rewards', array_column( $wp_rewrite->endpoints, 1 ) );

		update_option( 'loyalty_connector_settings', array( 'service_url' => 'https://loyalty.example.com', 'shop_id' => '7', 'storefront_secret' => 'a-storefront-secret' ) );
		set_transient( 'loyalty_connector_notice_2', array( 'kind' => 'success', 'message' => 'x' ), 300 );
		deactivate_plugins( self::PLUGIN );
		$this->assertFalse( is_plugin_active( self::PLUGIN ) );
		$this->assertSame( array(), $this->endpoint_rules(), 'deactivating removes the endpoint rules' );
		$this->assertSame( '7', get_option( 'loyalty_connector_settings' )['shop_id'], 'settings survive deactivation' );

		$this->assertTrue( uninstall_plugin( self::PLUGIN ) );
		$this->assertFalse( get_option( 'loyalty_connector_settings' ) );
		$this->assertFalse( get_transient( 'loyalty_connector_notice_2' ) );
		$wp_rewrite->set_permalink_structure( '' );
	}
}
