<?php
/**
 * Deleting the plugin removes its settings and anything it left in transients.
 *
 * @package Loyalty_Connector
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'loyalty_connector_settings' );
delete_transient( 'loyalty_connector_estimate_unsupported' );

global $wpdb;
// The per-customer redeem notices, loyalty_connector_notice_{user id}, kept five minutes each.
// Deleted through the API so WordPress's option cache forgets them too. (With a persistent
// object cache they are not in this table, and simply expire.)
$loyalty_connector_prefix = '_transient_loyalty_connector_';
// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- a one-off cleanup, nothing to cache.
$loyalty_connector_names = $wpdb->get_col( $wpdb->prepare( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( $loyalty_connector_prefix ) . '%' ) );
foreach ( $loyalty_connector_names as $loyalty_connector_name ) {
	delete_transient( substr( $loyalty_connector_name, strlen( '_transient_' ) ) );
}
