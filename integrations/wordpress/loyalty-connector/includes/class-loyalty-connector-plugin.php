<?php
/**
 * Wires the plugin into WordPress and WooCommerce; activation and deactivation.
 *
 * @package Loyalty_Connector
 */

defined( 'ABSPATH' ) || exit;

/**
 * The hooks, in one place, so each feature class stays plain.
 */
final class Loyalty_Connector_Plugin {

	/**
	 * Registers every hook the plugin uses. Nothing is fetched or written here.
	 */
	public static function boot(): void {
		add_action( 'init', array( self::class, 'load_textdomain' ) );
		add_action( 'init', array( Loyalty_Connector_Account_Tab::class, 'register_endpoint' ) );
		add_filter( 'woocommerce_account_menu_items', array( Loyalty_Connector_Account_Tab::class, 'add_menu_item' ) );
		add_filter( 'woocommerce_endpoint_' . Loyalty_Connector_Account_Tab::ENDPOINT . '_title', array( Loyalty_Connector_Account_Tab::class, 'title' ) );
		add_action( 'woocommerce_account_' . Loyalty_Connector_Account_Tab::ENDPOINT . '_endpoint', array( Loyalty_Connector_Account_Tab::class, 'render' ) );
		add_action( 'admin_post_' . Loyalty_Connector_Redeem_Action::ACTION, array( Loyalty_Connector_Redeem_Action::class, 'handle' ) );
		add_action( 'woocommerce_cart_totals_after_order_total', array( Loyalty_Connector_Cart_Line::class, 'render' ) );
		add_action( 'woocommerce_review_order_after_order_total', array( Loyalty_Connector_Cart_Line::class, 'render' ) );
		add_action( 'admin_menu', array( Loyalty_Connector_Settings_Page::class, 'add_page' ) );
		add_action( 'admin_init', array( Loyalty_Connector_Settings_Page::class, 'register' ) );
	}

	/**
	 * Loads translations for the text domain `loyalty-connector`.
	 */
	public static function load_textdomain(): void {
		load_plugin_textdomain( 'loyalty-connector', false, dirname( plugin_basename( LOYALTY_CONNECTOR_FILE ) ) . '/languages' );
	}

	/**
	 * On activation: store empty settings and make the My Account endpoint resolve.
	 */
	public static function activate(): void {
		add_option( Loyalty_Connector_Settings::OPTION, Loyalty_Connector_Settings::DEFAULTS );
		Loyalty_Connector_Account_Tab::register_endpoint();
		flush_rewrite_rules();
	}

	/**
	 * On deactivation: drop the endpoint's rewrite rules. Settings stay until uninstall.
	 */
	public static function deactivate(): void {
		Loyalty_Connector_Account_Tab::unregister_endpoint();
		delete_transient( Loyalty_Connector_Cart_Line::UNSUPPORTED );
		flush_rewrite_rules();
	}
}
